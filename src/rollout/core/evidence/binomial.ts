/**
 * Binomial probabilities for the exact operating characteristics: Bin(n, p) as an array over the
 * counts that carry any probability. Built by the ratio recurrence from the mode outwards and
 * normalised, so n = 5,000 costs a few hundred multiplications and nothing underflows.
 */
export interface BinomialTable {
  /** The smallest count in the table. */
  from: number;
  /** probabilities[i] = P(X = from + i). */
  probabilities: Float64Array;
  /** Probability left out (both tails below `cutoff` relative to the mode), for error bounds. */
  omitted: number;
}

const CUTOFF = 1e-17;
/** The most trials a table is built for (its spread is ~17√(np) entries: ~50,000 here at p = ½). */
const MAX_TABLE_REQUESTS = 2 ** 30;

export function binomialTable(n: number, p: number): BinomialTable {
  // Past 2^53 `k + 1 === k` and the walk below would never end; the table's size grows with √n.
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_TABLE_REQUESTS) {
    throw new RangeError(
      `binomial table for ${n} requests: must be a whole number at most ${MAX_TABLE_REQUESTS}`,
    );
  }
  if (n === 0 || p <= 0) return { from: 0, probabilities: Float64Array.of(1), omitted: 0 };
  if (p >= 1) return { from: n, probabilities: Float64Array.of(1), omitted: 0 };
  const mode = Math.min(n, Math.floor((n + 1) * p));
  const odds = p / (1 - p);
  const up: number[] = [];
  for (let k = mode, v = 1; k <= n && v > CUTOFF; k++) {
    up.push(v);
    v *= ((n - k) / (k + 1)) * odds;
  }
  const down: number[] = [];
  for (let k = mode, v = 1; k > 0; k--) {
    v *= k / ((n - k + 1) * odds);
    if (v <= CUTOFF) break;
    down.push(v);
  }
  const values = [...down.reverse(), ...up];
  const total = values.reduce((a, b) => a + b, 0);
  const from = mode - down.length;
  const omitted = (from > 0 || from + values.length - 1 < n ? CUTOFF * 2 * n : 0) / total;
  return { from, probabilities: Float64Array.from(values, (v) => v / total), omitted: Math.min(1, omitted) };
}
