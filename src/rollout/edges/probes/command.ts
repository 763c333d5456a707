import { spawn } from "node:child_process";
import type { GateCommandConfig } from "../../../config";
import type { ProbeOutcome } from "../../core/gate-types";
import { BoundedOutput } from "./bounded-output";

/**
 * The user's command (the blue-green runbook: `pytest tests/integration/ -v --endpoint green`), run by /bin/sh
 * in its own process group with CANARY_URL, STABLE_URL, STAGE and RELEASE in its environment. Its
 * exit code decides; stdout and stderr are captured together, bounded (head and tail). After
 * `timeoutSeconds` the whole group gets SIGTERM, then SIGKILL after `killGraceMs`, so a hung test
 * runner and whatever it started are gone before the gate answers.
 */

export interface CommandContext {
  canaryUrl: string;
  stableUrl: string;
  stage: string;
  release: string;
  cwd: string;
  /** The rest of the environment (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Between SIGTERM and SIGKILL on timeout (default 2000 ms). */
  killGraceMs?: number;
  /** Milliseconds; default performance.now. */
  now?: () => number;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

export function runGateCommand(
  cfg: GateCommandConfig,
  ctx: CommandContext,
  signal?: AbortSignal,
): Promise<ProbeOutcome> {
  const now = ctx.now ?? (() => performance.now());
  const started = now();
  const output = new BoundedOutput(cfg.maxOutputBytes);
  const child = spawn("/bin/sh", ["-c", cfg.run], {
    cwd: ctx.cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...(ctx.env ?? process.env),
      CANARY_URL: ctx.canaryUrl,
      STABLE_URL: ctx.stableUrl,
      STAGE: ctx.stage,
      RELEASE: ctx.release,
    },
  });
  child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => output.push(chunk));
  let stopped: string | undefined;
  const stop = (why: string) => {
    if (stopped) return;
    stopped = why;
    killGroup(child.pid, "SIGTERM");
    setTimeout(() => killGroup(child.pid, "SIGKILL"), ctx.killGraceMs ?? 2_000).unref();
  };
  const timer = setTimeout(() => stop(`timed out after ${cfg.timeoutSeconds} s`), cfg.timeoutSeconds * 1000);
  const onAbort = () => stop("interrupted");
  signal?.addEventListener("abort", onAbort, { once: true });
  return new Promise((resolve) => {
    let settled = false;
    const finish = (code: number | null, sig: NodeJS.Signals | null, error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      // Whatever the shell left behind in its group goes too.
      killGroup(child.pid, "SIGKILL");
      const seconds = +((now() - started) / 1000).toFixed(1);
      const how = error ?? stopped ?? (code === null ? `killed by ${sig}` : `exit ${code}`);
      resolve({
        probe: "command",
        target: cfg.run,
        passed: !stopped && !error && code === 0,
        summary: `${how} after ${seconds} s, ${output.totalBytes} bytes of output`,
        detail: { exitCode: code, signal: sig, seconds, outputBytes: output.totalBytes, timedOut: !!stopped },
        output: output.text(),
      });
    };
    child.on("error", (error) => finish(null, null, error.message));
    child.on("close", (code, sig) => finish(code, sig));
  });
}
