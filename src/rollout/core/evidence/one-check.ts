import { binomialTable } from "./binomial";
import { exactlyCalibrated } from "./calibrate";
import type { EvidenceRule } from "./rule";
import type { CheckCounts } from "./state";

/**
 * The one-check trigger: revert when a single check holds so many errors that a canary at the null
 * rate would show that many with probability at most `nullAtMost`, and an OBSERVE-band canary with
 * probability at most `holdAtMost`. The count is computed exactly for the requests the check
 * actually saw, so every check's false trigger is ≤ `nullAtMost` whatever its size (1 request or a
 * million, busy or quiet, chosen by the past or not): over n checks with data, at most
 * n · nullAtMost by the union bound. It is what reverts a hard fault (20% errors) at the first check
 * it spoils, however much clean history came before.
 */

/** The fewest errors among `requests` that trip the trigger, or null when no count can. */
export function oneCheckErrorsToRevert(requests: number, rule: EvidenceRule): number | null {
  let counts = memo.get(rule.oneCheck);
  if (counts === undefined) {
    counts = new Map();
    memo.set(rule.oneCheck, counts);
  }
  const found = counts.get(requests);
  if (found !== undefined) return found;
  const { nullAtMost, holdRate, holdAtMost } = rule.oneCheck;
  const healthy = fewestErrorsRarerThan(requests, rule.nullRate, nullAtMost);
  const held = fewestErrorsRarerThan(requests, holdRate, holdAtMost);
  const k = healthy === null || held === null ? null : Math.max(healthy, held);
  if (counts.size >= MEMO_LIMIT) counts.delete(counts.keys().next().value as number);
  counts.set(requests, k);
  return k;
}

/** Whether this check's counts alone trip the trigger. */
export function oneCheckTrips(check: CheckCounts, rule: EvidenceRule): boolean {
  if (check.requests === 0) return false;
  const k = oneCheckErrorsToRevert(check.requests, rule);
  return k !== null && check.errors >= k;
}

/** Exact P(one check of `requests` at `rate` trips the trigger). */
export function oneCheckTripProbability(requests: number, rate: number, rule: EvidenceRule): number {
  const k = oneCheckErrorsToRevert(requests, rule);
  if (k === null) return 0;
  const table = binomialTable(requests, rate);
  let tail = 0;
  table.probabilities.forEach((q, i) => {
    if (table.from + i >= k) tail += q;
  });
  // Mass left out of the table above it counts as tripping: the figure is never an underestimate.
  return Math.min(1, tail + table.omitted);
}

/**
 * Smallest k with P(Bin(n, p) ≥ k) ≤ atMost, summing the upper tail from the top down. The mass
 * the table leaves out is counted in the tail, so the count is never too low.
 */
function fewestErrorsRarerThan(n: number, p: number, atMost: number): number | null {
  if (!exactlyCalibrated(n)) return fewestErrorsByChernoff(n, p, atMost);
  const table = binomialTable(n, p);
  const top = table.from + table.probabilities.length - 1;
  let tail = table.omitted;
  for (let k = top; k >= table.from; k--) {
    tail += table.probabilities[k - table.from] as number;
    if (tail > atMost) return k + 1 > n ? null : k + 1;
  }
  return table.from;
}

/**
 * Beyond the exact table's reach: the smallest k with the Chernoff bound
 * P(Bin(n, p) ≥ k) ≤ exp(−n·KL(k/n ‖ p)) at most `atMost`, by bisection on the share. The bound is
 * never below the true tail, so the count is never too low: the per-check guarantee stands, in
 * constant time for any n (a count this large is already implausible unless configured so).
 */
function fewestErrorsByChernoff(n: number, p: number, atMost: number): number | null {
  const kl = (q: number) => q * Math.log(q / p) + (1 - q) * Math.log((1 - q) / (1 - p));
  const target = Math.log(1 / atMost) / n;
  if (kl(1 - 1e-12) < target) return null;
  let low = p;
  let high = 1;
  for (let i = 0; i < 100; i++) {
    const mid = (low + high) / 2;
    if (kl(mid) >= target) high = mid;
    else low = mid;
  }
  return Math.min(n, Math.ceil(high * n));
}

/** Counts by request count, per trigger (rules are long-lived cached objects; a memo keeps core pure). */
const memo = new WeakMap<EvidenceRule["oneCheck"], Map<number, number | null>>();
const MEMO_LIMIT = 4096;
