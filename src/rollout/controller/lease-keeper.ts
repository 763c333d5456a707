import type { Sleep } from "../edges/sleep";
import { type Lease, LeaseLostError } from "../store/lease";

/**
 * Renews a held lease every `renewMs` until stopped. When the lease is lost (replaced, or no
 * renewal reached the store within its ttl) `lost` aborts at once with the `LeaseLostError`: the
 * runner's loop and any apply in flight are given that signal, so it stops driving the target
 * before another runner may start.
 */
export interface LeaseKeeper {
  /** Aborts (reason: `LeaseLostError`) when the lease is lost. */
  readonly lost: AbortSignal;
  /** Stops renewing (the caller then releases the lease). */
  stop(): Promise<void>;
}

export function keepLease(
  lease: Lease,
  options: { renewMs: number; sleep: Sleep; warn: (message: string) => void },
): LeaseKeeper {
  const lost = new AbortController();
  const stopped = new AbortController();
  const loop = (async () => {
    let waitMs = options.renewMs;
    while (!stopped.signal.aborted) {
      try {
        await options.sleep(waitMs, stopped.signal);
      } catch {
        return;
      }
      try {
        await lease.renew(stopped.signal);
        waitMs = options.renewMs;
      } catch (error) {
        if (error instanceof LeaseLostError) {
          lost.abort(error);
          return;
        }
        if (stopped.signal.aborted) return;
        // A failed write is retried sooner, while the lease still has time left.
        options.warn(`could not renew the lease (${(error as Error).message}); retrying`);
        waitMs = Math.max(1, Math.floor(options.renewMs / 4));
      }
    }
  })();
  return {
    lost: lost.signal,
    async stop() {
      stopped.abort();
      await loop;
    },
  };
}
