import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { ManagedProcess } from "./processes";

/**
 * The processes of an environment that is up, by pid and command line. `--keep` leaves them
 * running; the next `npm run rehearse` (or `-- --stop`) stops exactly these, and only if the pid
 * still runs the same command (a pid reused by something else is left alone).
 */
interface Recorded {
  name: string;
  pid: number;
  command: string;
}

export function recordProcesses(pidFile: string, processes: readonly ManagedProcess[]): void {
  const recorded: Recorded[] = processes
    .filter((p) => p.running)
    .map((p) => ({ name: p.name, pid: p.pid, command: p.commandLine }));
  writeFileSync(pidFile, `${JSON.stringify(recorded, null, 2)}\n`);
}

function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the recorded processes that are still the ones recorded; returns their names. */
export async function stopRecorded(pidFile: string, graceMs = 3_000): Promise<string[]> {
  if (!existsSync(pidFile)) return [];
  let recorded: Recorded[];
  try {
    recorded = JSON.parse(readFileSync(pidFile, "utf8")) as Recorded[];
  } catch {
    rmSync(pidFile, { force: true });
    return [];
  }
  const ours = recorded.filter((r) => commandOf(r.pid) === r.command);
  for (const r of ours) {
    try {
      process.kill(-r.pid, "SIGTERM");
    } catch {
      // Gone already.
    }
  }
  const deadline = Date.now() + graceMs;
  while (ours.some((r) => alive(r.pid)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const r of ours.filter((r) => alive(r.pid))) {
    try {
      process.kill(-r.pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
  rmSync(pidFile, { force: true });
  return ours.map((r) => `${r.name} (pid ${r.pid})`);
}
