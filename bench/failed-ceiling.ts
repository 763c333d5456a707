import { binomialTable } from "../src/rollout/core/evidence/binomial";
import { neymanPearsonPower } from "./np-ceiling";

/**
 * `npx tsx bench/failed-ceiling.ts`: the fewest failed requests any rule could let a bad canary
 * serve while reverting healthy ones at most α. A rule's "reverted by the N-th request" is an event
 * on those N requests, so its chance at the bad rate is at most the Neyman–Pearson power at size α
 * on N requests (np-ceiling.ts). The first N where that power reaches ½ bounds the median requests
 * served before a revert from below, and the median errors among N requests at the bad rate is the
 * failed requests served by then.
 */
const ALPHA = 1e-3;
const HEALTHY = 0.005;
const BAD = 0.015;

function medianCount(n: number, p: number): number {
  const table = binomialTable(n, p);
  let below = 0;
  for (const [i, q] of table.probabilities.entries()) {
    below += q;
    if (below >= 0.5) return table.from + i;
  }
  return n;
}

let n = 10;
while (neymanPearsonPower(n, HEALTHY, BAD, ALPHA) < 0.5) n += 10;
process.stdout.write(
  `a ${BAD * 100}% canary, false reverts of ${HEALTHY * 100}% at most ${ALPHA}: reverted by request ${n} with probability at most ${neymanPearsonPower(n, HEALTHY, BAD, ALPHA).toFixed(3)} (first N, in tens, where it reaches 1/2); median failed requests by then ${medianCount(n, BAD)}\n`,
);
