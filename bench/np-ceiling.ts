import { binomialTable } from "../src/rollout/core/evidence/binomial";

/**
 * The Neyman–Pearson ceiling: the most powerful test of "rate = healthy" against "rate = bad" that
 * sees all of a horizon's requests at once and falsely reverts with probability exactly `level`
 * (randomised at the boundary count). No sequential rule at that false-revert rate can detect more
 * within the horizon, so detection / ceiling says how much of the data's information a rule uses.
 */
export function neymanPearsonPower(requests: number, healthy: number, bad: number, level: number): number {
  const tail0 = upperTails(requests, healthy);
  const tail1 = upperTails(requests, bad);
  // Smallest k whose tail under the healthy rate is within the level.
  let k = 0;
  while (tail0(k) > level) k++;
  if (k === 0) return 1;
  const atBoundary = tail0(k - 1) - tail0(k);
  const gamma = atBoundary > 0 ? (level - tail0(k)) / atBoundary : 0;
  return tail1(k) + gamma * (tail1(k - 1) - tail1(k));
}

/** k ↦ P(X ≥ k) for X ~ Bin(n, p), from the exact table. */
function upperTails(n: number, p: number): (k: number) => number {
  const table = binomialTable(n, p);
  const tails = new Float64Array(table.probabilities.length + 1);
  for (let i = table.probabilities.length - 1; i >= 0; i--) {
    tails[i] = (tails[i + 1] as number) + (table.probabilities[i] as number);
  }
  return (k) => {
    const i = k - table.from;
    if (i <= 0) return 1;
    return i >= tails.length ? 0 : (tails[i] as number);
  };
}
