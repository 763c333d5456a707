import { mulberry32 } from "./simulate";

/**
 * Common random numbers for the rollout simulations: every check of every run has its own seeded
 * generator, keyed by (cell seed, run, check number), so every rule judged on a run sees the same
 * draws at the same minute. The canary's requests are drawn by inversion of one uniform, so two
 * rules at different weights get comonotone counts, and identical ones at the same weight.
 */

/** A generator for one check of one run: the same for every rule. */
export function checkRandom(seed: number, run: number, check: number): () => number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ run ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ check ^ (h >>> 16), 0x27d4eb2f);
  return mulberry32((h ^ (h >>> 15)) >>> 0);
}

const CUTOFF = 1e-17;
const tables = new Map<number, { from: number; cdf: Float64Array }>();

/** Poisson(mean) CDF over the counts that carry any probability, from the mode outwards (cached). */
function poissonTable(mean: number): { from: number; cdf: Float64Array } {
  const found = tables.get(mean);
  if (found) return found;
  const mode = Math.floor(mean);
  const up: number[] = [];
  for (let k = mode, v = 1; v > CUTOFF; k++) {
    up.push(v);
    v *= mean / (k + 1);
  }
  const down: number[] = [];
  for (let k = mode, v = 1; k > 0; k--) {
    v *= k / mean;
    if (v <= CUTOFF) break;
    down.push(v);
  }
  const values = [...down.reverse(), ...up];
  const total = values.reduce((a, b) => a + b, 0);
  const cdf = new Float64Array(values.length);
  let sum = 0;
  for (const [i, v] of values.entries()) {
    sum += v / total;
    cdf[i] = sum;
  }
  const table = { from: mode - down.length, cdf };
  tables.set(mean, table);
  return table;
}

/** The Poisson(mean) count at uniform u: inversion, so a larger mean never gives a smaller count. */
export function poissonQuantile(mean: number, u: number): number {
  if (mean <= 0) return 0;
  const { from, cdf } = poissonTable(mean);
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cdf[mid] as number) >= u) hi = mid;
    else lo = mid + 1;
  }
  return from + lo;
}
