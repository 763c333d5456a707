/**
 * The few statistics the analysis needs, as pure functions.
 *
 * - Wilson score bounds (one-sided) on a binomial proportion: the canary's error rate with the
 *   uncertainty of a small sample. Unlike the normal ("Wald") interval, Wilson stays sensible at
 *   zero errors and at a handful of requests, which is the low-traffic case the runner must handle.
 * - A conditional binomial test of "canary error rate > factor x stable error rate" on the two
 *   sides' request and error counts over the same window (see `worseThanStable`).
 */

/** Standard normal quantile (inverse CDF), Acklam's rational approximation (relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
      (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  return x;
}

function wilson(successes: number, trials: number, confidence: number, side: -1 | 1): number {
  checkCounts(successes, trials);
  if (trials === 0) return side < 0 ? 0 : 1;
  const z = normalQuantile(confidence);
  const p = successes / trials;
  const z2 = z * z;
  const centre = p + z2 / (2 * trials);
  const spread = z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  const bound = (centre + side * spread) / (1 + z2 / trials);
  return Math.min(1, Math.max(0, bound));
}

/**
 * One-sided Wilson score lower bound: with probability `confidence` the true proportion is at
 * least this. 0 for no trials.
 */
export function wilsonLower(successes: number, trials: number, confidence: number): number {
  return wilson(successes, trials, confidence, -1);
}

/** One-sided Wilson score upper bound; 1 for no trials. */
export function wilsonUpper(successes: number, trials: number, confidence: number): number {
  return wilson(successes, trials, confidence, 1);
}

function checkCounts(successes: number, trials: number): void {
  if (
    !(Number.isFinite(successes) && Number.isFinite(trials)) ||
    successes < 0 ||
    trials < 0 ||
    successes > trials
  ) {
    throw new RangeError(`counts must satisfy 0 <= successes <= trials, got ${successes}/${trials}`);
  }
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9): about 15 significant digits. */
export function logGamma(x: number): number {
  const g = 7;
  const coef = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const y = x - 1;
  let sum = coef[0] as number;
  for (let i = 1; i < g + 2; i++) sum += (coef[i] as number) / (y + i);
  const t = y + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** P(X >= k) for X ~ Binomial(n, p), summed in log space so large n does not underflow. */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const logChoose = (i: number) => logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1);
  let total = 0;
  for (let i = k; i <= n; i++) {
    total += Math.exp(logChoose(i) + i * Math.log(p) + (n - i) * Math.log1p(-p));
  }
  return Math.min(1, total);
}

export interface Counts {
  requests: number;
  errors: number;
}

export interface RelativeTest {
  /** Probability, if the canary were exactly `factor` times worse than stable, of seeing this many canary errors or more. */
  pValue: number;
  /** The canary's share of all errors expected at that boundary. */
  expectedShare: number;
  /** True when `pValue <= 1 - confidence`: the canary is worse than stable by more than `factor`. */
  worse: boolean;
  /** Why no test ran (no stable traffic, no errors at all). */
  skipped?: string;
}

/**
 * Is the canary's error rate more than `factor` times the stable's, at `confidence`?
 *
 * Conditional binomial test for a ratio of two rates (the exact test for comparing two Poisson
 * rates): given E = canary errors + stable errors, under H0 "canary rate = factor × stable rate"
 * the canary's errors follow Binomial(E, f·n_c / (f·n_c + n_s)). The p-value is the upper tail at
 * the observed canary errors. Chosen over a z test on the difference of proportions because it is
 * exact at the small counts a 5% canary produces (a z test's normal approximation is badly off at
 * 0-3 errors and over-alarms), needs no pooled variance, and tests a ratio directly. The Poisson
 * view is accurate when error rates are small, which is the regime a roll-back limit lives in.
 */
export function worseThanStable(
  canary: Counts,
  stable: Counts,
  factor: number,
  confidence: number,
): RelativeTest {
  checkCounts(canary.errors, canary.requests);
  checkCounts(stable.errors, stable.requests);
  if (stable.requests === 0 || canary.requests === 0) {
    return { pValue: 1, expectedShare: Number.NaN, worse: false, skipped: "no traffic on one side" };
  }
  const total = canary.errors + stable.errors;
  const share = (factor * canary.requests) / (factor * canary.requests + stable.requests);
  if (total === 0)
    return { pValue: 1, expectedShare: share, worse: false, skipped: "no errors on either side" };
  const pValue = binomialUpperTail(canary.errors, total, share);
  return { pValue, expectedShare: share, worse: pValue <= 1 - confidence };
}
