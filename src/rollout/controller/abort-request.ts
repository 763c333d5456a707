import type { Sleep } from "../edges/sleep";
import type { RolloutRecords } from "../store/rollout-records";
import type { RolloutController } from "./controller";

/**
 * Runs `task` (the pre-traffic gate) while reading the operator's requests, as the runner does
 * between checks: an abort request stops the task at once through its signal (and is returned);
 * a promote request stays for the first check. An interrupt of `signal` stops the task too.
 */
export async function stoppedByAbortRequest<T>(
  controller: RolloutController,
  options: { records: RolloutRecords; signal?: AbortSignal; sleep: Sleep; pollMs?: number },
  task: (signal: AbortSignal) => Promise<T>,
): Promise<{ result: T; abortedBy?: string }> {
  const stop = new AbortController();
  const forward = () => stop.abort(options.signal?.reason);
  if (options.signal?.aborted) forward();
  else options.signal?.addEventListener("abort", forward, { once: true });
  const done = new AbortController();
  let abortedBy: string | undefined;
  const watcher = (async () => {
    while (!done.signal.aborted) {
      // Yield first: a task that answers at once is never waited on (nor fake time moved).
      await new Promise((resolve) => setImmediate(resolve));
      if (done.signal.aborted) return;
      const taken = await options.records.takeRequest(controller.state.id, "abort");
      if (taken && "discarded" in taken) controller.warn(`discarded ${taken.discarded}`);
      else if (taken) {
        abortedBy = taken.request.by;
        stop.abort(`aborted by ${abortedBy}`);
        return;
      }
      await options.sleep(options.pollMs ?? 1000, done.signal).catch(() => {});
    }
  })();
  try {
    const result = await task(stop.signal);
    return abortedBy === undefined ? { result } : { result, abortedBy };
  } finally {
    // Not awaited: an injected sleep may ignore `done` and park; the watcher ends at its next turn.
    done.abort();
    options.signal?.removeEventListener("abort", forward);
    void watcher;
  }
}
