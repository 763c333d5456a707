import { binomialTable } from "../src/rollout/core/evidence/binomial";
import { neymanPearsonPower } from "./np-ceiling";

/**
 * The fewest failed requests any rule could let a bad canary serve while reverting healthy ones at
 * most α. A rule's "reverted by the N-th request" is an event on those N requests, so its chance at
 * the bad rate is at most the Neyman–Pearson power at size α on N requests (np-ceiling.ts). The
 * first N where that power reaches ½ bounds the median requests served before a revert from below,
 * and the median errors among N requests at the bad rate is the failed requests served by then.
 * `npx tsx bench/failed-ceiling.ts` prints it for the prod defaults; alpha-tradeoff.ts tabulates it.
 */
export interface FailedCeiling {
  /** First N (in steps of `step`) at which the most powerful size-α test reaches power ½. */
  requests: number;
  power: number;
  /** Median errors among those N requests at the bad rate. */
  medianFailed: number;
}

function medianCount(n: number, p: number): number {
  const table = binomialTable(n, p);
  let below = 0;
  for (const [i, q] of table.probabilities.entries()) {
    below += q;
    if (below >= 0.5) return table.from + i;
  }
  return n;
}

export function failedCeiling(alpha: number, healthy: number, bad: number, step = 10): FailedCeiling {
  let n = step;
  while (neymanPearsonPower(n, healthy, bad, alpha) < 0.5) n += step;
  return {
    requests: n,
    power: neymanPearsonPower(n, healthy, bad, alpha),
    medianFailed: medianCount(n, bad),
  };
}

if (require.main === module) {
  const [alpha, healthy, bad] = [1e-3, 0.005, 0.015];
  const c = failedCeiling(alpha, healthy, bad);
  process.stdout.write(
    `a ${bad * 100}% canary, false reverts of ${healthy * 100}% at most ${alpha}: reverted by request ${c.requests} with probability at most ${c.power.toFixed(3)} (first N, in tens, where it reaches 1/2); median failed requests by then ${c.medianFailed}\n`,
  );
}
