import type { HaproxyTrafficDriver } from "../src/rollout/edges/drivers/haproxy";
import { sleep } from "./wait";

/**
 * Watches the canary weight HAProxy serves, independently of the runner: the rehearsal injects
 * its fault when the split reaches a step, and measures the revert as HAProxy applies it.
 */
export async function whenCanaryWeight(
  driver: HaproxyTrafficDriver,
  matches: (weight: number) => boolean,
  options: { signal?: AbortSignal; pollMs?: number } = {},
): Promise<{ at: number; weight: number }> {
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const weight = await driver.currentCanaryWeight();
      if (weight !== undefined && matches(weight)) return { at: Date.now(), weight };
    } catch {
      // HAProxy busy or restarting: look again.
    }
    await sleep(options.pollMs ?? 50, options.signal);
  }
}
