import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { GateCommandConfig } from "../../../config";
import type { ProbeOutcome } from "../../core/gate/types";
import { redactSecrets, secretValues } from "../../core/text/redact";
import { terminalSafe } from "../../core/text/sanitise";
import { BoundedOutput } from "./bounded-output";
import { GATE_MARKER_ENV, signalMarked } from "./process-marker";

/**
 * The user's command (the blue-green runbook: `pytest tests/integration/ -v --endpoint green`), run by /bin/sh
 * in its own process group with CANARY_URL, STABLE_URL, STAGE and RELEASE in its environment. Its
 * exit code decides; stdout and stderr are captured together, bounded (head and tail). After
 * `timeoutSeconds` (or an interrupt) the whole group gets SIGTERM, then SIGKILL after
 * `killGraceMs`, and the gate answers then without waiting on the pipes; processes that left the
 * group (`setsid`) are found by their ION_GATE_RUN marker (process-marker.ts) and killed with it.
 * When the command ends, whatever it left behind is killed too.
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
  /** How long output may still arrive after the shell exits before the pipes are closed (default 1000 ms). */
  pipeDrainMs?: number;
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

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: string;
}

/**
 * What the gate records: the output with escape sequences and control characters removed, and
 * every secret of the command's environment (`env`) redacted; it goes to the journal and reports.
 */
function outcomeOf(
  cfg: GateCommandConfig,
  output: BoundedOutput,
  ended: Ended,
  stopped: string | undefined,
  seconds: number,
  env: NodeJS.ProcessEnv,
): ProbeOutcome {
  const { code, signal, error } = ended;
  const secrets = secretValues(env);
  const how = error ?? stopped ?? (code === null ? `killed by ${signal}` : `exit ${code}`);
  return {
    probe: "command",
    target: cfg.run,
    passed: !stopped && !error && code === 0,
    summary: `${how} after ${seconds} s, ${output.totalBytes} bytes of output`,
    detail: { exitCode: code, signal, seconds, outputBytes: output.totalBytes, timedOut: !!stopped },
    output: redactSecrets(terminalSafe(output.text()), secrets),
  };
}

/** `/bin/sh -c run` in a new process group, its environment carrying the URLs and `marker`. */
function spawnCommand(cfg: GateCommandConfig, ctx: CommandContext, marker: string) {
  const env = {
    ...(ctx.env ?? process.env),
    CANARY_URL: ctx.canaryUrl,
    STABLE_URL: ctx.stableUrl,
    STAGE: ctx.stage,
    RELEASE: ctx.release,
    [GATE_MARKER_ENV]: marker,
  };
  const child = spawn("/bin/sh", ["-c", cfg.run], {
    cwd: ctx.cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  return { child, env };
}

export function runGateCommand(
  cfg: GateCommandConfig,
  ctx: CommandContext,
  signal?: AbortSignal,
): Promise<ProbeOutcome> {
  const now = ctx.now ?? (() => performance.now());
  const started = now();
  const output = new BoundedOutput(cfg.maxOutputBytes);
  const marker = randomUUID();
  const { child, env } = spawnCommand(cfg, ctx, marker);
  child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => output.push(chunk));
  // The group, and whatever left it (a setsid daemon) but carries this run's marker.
  const killAll = (sig: NodeJS.Signals) => {
    killGroup(child.pid, sig);
    signalMarked(marker, sig);
  };
  return new Promise((resolve) => {
    let stopped: string | undefined;
    let ended: Ended = { code: null, signal: null };
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      signal?.removeEventListener("abort", onAbort);
      killAll("SIGKILL");
      // A process outside the group may hold the pipes open: stop reading them, do not wait.
      child.stdout.destroy();
      child.stderr.destroy();
      resolve(outcomeOf(cfg, output, ended, stopped, +((now() - started) / 1000).toFixed(1), env));
    };
    const stop = (why: string) => {
      if (stopped) return;
      stopped = why;
      killAll("SIGTERM");
      timers.push(setTimeout(finish, ctx.killGraceMs ?? 2_000));
    };
    const onAbort = () => stop("interrupted");
    timers.push(setTimeout(() => stop(`timed out after ${cfg.timeoutSeconds} s`), cfg.timeoutSeconds * 1000));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    child.on("error", (error) => {
      ended = { code: null, signal: null, error: error.message };
      finish();
    });
    // The shell is gone; its pipes close at once unless something it started still holds them.
    child.on("exit", (code, sig) => {
      ended = { code, signal: sig };
      timers.push(setTimeout(finish, ctx.pipeDrainMs ?? 1_000));
    });
    child.on("close", finish);
  });
}
