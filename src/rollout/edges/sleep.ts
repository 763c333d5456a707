/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts: the one abortable sleep
 * (driver retries, the controller's waits, the rehearsal). Callers that treat an abort as "stop
 * waiting" catch the rejection and look at the signal.
 */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The sleep the controller is given: real time by default, fake time in tests. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;
