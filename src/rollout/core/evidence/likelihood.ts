/**
 * Binomial likelihood ratios in log space, the one piece of arithmetic every evidence test shares.
 *
 * Counts are whole requests: `errors` out of `requests`. Everything stays in logarithms because a
 * canary's cumulative likelihood ratio spans hundreds of orders of magnitude (e^-300 after a long
 * clean run, e^+200 after a bad check) and must never overflow to Infinity or underflow to 0.
 */

/** One alternative of a mixture: a rate the canary might truly have, and its prior weight. */
export interface WeightedRate {
  rate: number;
  weight: number;
}

/** ln of (p1/p0)^errors · ((1-p1)/(1-p0))^(requests-errors): evidence for rate p1 over p0. */
export function logLikelihoodRatio(errors: number, requests: number, p1: number, p0: number): number {
  if (errors === 0 && requests === 0) return 0;
  return errors * Math.log(p1 / p0) + (requests - errors) * (Math.log1p(-p1) - Math.log1p(-p0));
}

/** ln Σ exp(x): the mixture of several log values without leaving log space. */
export function logSumExp(values: readonly number[]): number {
  const top = Math.max(...values);
  if (top === Number.NEGATIVE_INFINITY) return top;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - top);
  return top + Math.log(sum);
}

/** ln Σ wₖ LRₖ: the mixture e-value of `errors`/`requests` against the null rate `p0`. */
export function logMixture(
  errors: number,
  requests: number,
  alternatives: readonly WeightedRate[],
  p0: number,
): number {
  return logSumExp(
    alternatives.map((a) => Math.log(a.weight) + logLikelihoodRatio(errors, requests, a.rate, p0)),
  );
}
