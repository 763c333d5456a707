import { readdirSync, readFileSync } from "node:fs";

/**
 * Finding every process a gate command started, wherever it went: a daemon that called `setsid`
 * left the command's process group (a group kill misses it) and may be re-parented to init (a
 * parent walk misses it), but it keeps the environment it was started with. The command runs with
 * `ION_GATE_RUN=<marker>`, and every process whose initial environment holds that marker is its.
 * Linux /proc only; elsewhere nothing is found and the group kill is what remains.
 */

export const GATE_MARKER_ENV = "ION_GATE_RUN";

/** The pids (not this process) whose environment carries `marker`. */
export function markedProcesses(marker: string, procDir = "/proc"): number[] {
  let entries: string[];
  try {
    entries = readdirSync(procDir);
  } catch {
    return [];
  }
  const needle = `${GATE_MARKER_ENV}=${marker}\0`;
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`${procDir}/${entry}/environ`, "latin1").includes(needle)) found.push(Number(entry));
    } catch {
      // gone meanwhile, or another user's
    }
  }
  return found;
}

/** Sends `signal` to every process carrying `marker`. */
export function signalMarked(marker: string, signal: NodeJS.Signals): void {
  for (const pid of markedProcesses(marker)) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
