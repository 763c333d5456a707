import type { Sleep } from "../sleep";

/**
 * The platform's own traffic API, reached without the Pulumi engine or the stack's update lock:
 * Cloud Run's service traffic, a URL map's weighted backends, an ALB listener's forward weights.
 * The Pulumi driver sends urgent changes (a revert) through it, then brings the stack into
 * agreement; it also reads the served split from it, so a change made outside the stack is seen.
 */
export interface TrafficApi {
  readonly description: string;
  /** Sets the canary's share and resolves once the platform reports serving it. */
  setCanaryWeight(weight: number, signal?: AbortSignal): Promise<void>;
  /** The canary share the platform serves now. */
  servedCanaryWeight(signal?: AbortSignal): Promise<number>;
}

/** How a traffic API waits for a long-running operation: a poll every `intervalMs`, at most `polls`. */
export interface OperationPolling {
  intervalMs: number;
  polls: number;
  sleep: Sleep;
}

/** Stable takes what the canary does not; both are percentages of the split. */
export function sideWeights(canaryWeight: number): { stable: number; canary: number } {
  if (!Number.isInteger(canaryWeight) || canaryWeight < 0 || canaryWeight > 100) {
    throw new Error(`canary weight ${canaryWeight} is not a whole percentage 0-100`);
  }
  return { stable: 100 - canaryWeight, canary: canaryWeight };
}

/** Polls `done` until it returns a value, sleeping between polls; rejects after `polls` tries. */
export async function pollUntil<T>(
  what: string,
  polling: OperationPolling,
  done: () => Promise<T | undefined>,
  signal?: AbortSignal,
): Promise<T> {
  for (let poll = 1; ; poll++) {
    signal?.throwIfAborted();
    const value = await done();
    if (value !== undefined) return value;
    if (poll >= polling.polls) {
      throw new Error(
        `${what}: not done after ${polling.polls} polls ${polling.intervalMs} ms apart (${Math.round((polling.polls * polling.intervalMs) / 1000)} s)`,
      );
    }
    await polling.sleep(polling.intervalMs, signal);
  }
}
