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
  options: { inherit?: boolean; env?: NodeJS.ProcessEnv; detached?: boolean } = {},
): CliRun {
  const child = spawn(process.execPath, [ION_ROLLOUT(projectDir), ...args], {
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
