import type { Streams } from "./common";

/**
 * Everything that can end a runner short of SIGKILL, turned into one abort of the run, so the
 * runner takes the configured safe action (revert or hold) at its next safe point and records it:
 * SIGINT, SIGTERM, SIGHUP, SIGQUIT, a closed stdout or stderr (EPIPE), an uncaught error or an
 * unhandled rejection. The first one stops the run; any later one is ignored (and said so) until
 * the safe action is recorded and the guard is disposed.
 */

export const STOP_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];

export interface InterruptGuard {
  /** Aborts (with a reason naming the cause) at the first interrupt. */
  signal: AbortSignal;
  /** Streams that stop writing once their pipe is closed. */
  io: Streams;
  dispose(): void;
}

/** What each `--on-interrupt` choice does, as the runner says when it stops. */
const SAFE_ACTION_WORDS = {
  revert: "reverting to 0%",
  hold: "holding the weight",
  handover: "holding the weight and handing the lease over to the next job's resume",
} as const;

export function guardProcess(io: Streams, safeAction: keyof typeof SAFE_ACTION_WORDS): InterruptGuard {
  const controller = new AbortController();
  const closed = { out: false, err: false };
  const safeIo: Streams = {
    ...io,
    out: (text) => {
      if (!closed.out) io.out(text);
    },
    err: (text) => {
      if (!closed.err) io.err(text);
    },
  };
  const what = SAFE_ACTION_WORDS[safeAction];
  const stop = (cause: string) => {
    if (controller.signal.aborted) {
      safeIo.err(
        `\n${cause}: the ${safeAction === "revert" ? "revert" : "hold"} is in progress; ignoring it until it is recorded\n`,
      );
      return;
    }
    safeIo.err(`\n${cause}: stopping at the next safe point (${what})\n`);
    controller.abort(cause);
  };
  const onSignal = (signal: NodeJS.Signals) => stop(signal);
  const onStdout = (error: NodeJS.ErrnoException) => {
    closed.out = true;
    stop(`stdout closed (${error.code ?? error.message})`);
  };
  const onStderr = (error: NodeJS.ErrnoException) => {
    closed.err = true;
    stop(`stderr closed (${error.code ?? error.message})`);
  };
  const onError = (error: unknown) =>
    stop(`uncaught error: ${error instanceof Error ? error.message : String(error)}`);
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  process.stdout.on("error", onStdout);
  process.stderr.on("error", onStderr);
  process.on("uncaughtException", onError);
  process.on("unhandledRejection", onError);
  return {
    signal: controller.signal,
    io: safeIo,
    dispose() {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
      process.off("uncaughtException", onError);
      process.off("unhandledRejection", onError);
      // The pipes stay guarded: a write after the run must not crash the report or the exit.
    },
  };
}
