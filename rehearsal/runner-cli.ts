import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

/**
 * Runs the real `ion-rollout` CLI (bin/ion-rollout.cjs) as a child process, the way an operator or
 * CI would. On a terminal it inherits stdio, so its live progress view draws in place.
 */
export interface CliRun {
  child: ChildProcess;
  /** Exit code (a signal death maps to 128 + n, like a shell). */
  exited: Promise<number>;
  /** Captured output when not inherited. */
  output(): string;
}

export const ION_ROLLOUT = (projectDir: string) => join(projectDir, "bin", "ion-rollout.cjs");

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export function runCli(
  projectDir: string,
  args: string[],
  options: { inherit?: boolean; env?: NodeJS.ProcessEnv; detached?: boolean; bin?: string } = {},
): CliRun {
  const child = spawn(process.execPath, [options.bin ?? ION_ROLLOUT(projectDir), ...args], {
    cwd: projectDir,
    env: options.env ?? process.env,
    stdio: options.inherit ? "inherit" : ["ignore", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0)));
    child.once("error", () => resolve(127));
  });
  return { child, exited, output: () => output };
}

export interface StartReleaseOptions {
  projectDir: string;
  release: { image: string; name: string };
  /** More `ion-rollout start` arguments, e.g. `--config FILE`. */
  cliArgs?: string[];
  inherit?: boolean;
  /** Told the run when it starts and `undefined` when it ends (so a Ctrl-C can reach it). */
  onRun?: (run: CliRun | undefined) => void;
}

/** `ion-rollout start rehearsal` of one release, to its exit: the code, the time, the run. */
export async function startRelease(
  options: StartReleaseOptions,
): Promise<{ exitCode: number; ms: number; run: CliRun }> {
  const { release } = options;
  const args = [
    "start",
    "rehearsal",
    "--image",
    release.image,
    "--name",
    release.name,
    ...(options.cliArgs ?? []),
  ];
  const started = Date.now();
  const run = runCli(options.projectDir, args, { inherit: options.inherit ?? false });
  options.onRun?.(run);
  const exitCode = await run.exited;
  options.onRun?.(undefined);
  return { exitCode, ms: Date.now() - started, run };
}
