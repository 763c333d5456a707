import { logLikelihoodRatio, logSumExp, type WeightedRate } from "./likelihood";
import type { CheckCounts } from "./state";

/**
 * Canary vs stable, sequentially: given a check's errors on both sides, the canary's share of them
 * is Binomial(total, π) with π = r·n_c / (r·n_c + n_s) for a rate ratio r (the Poisson view, exact
 * enough at error rates near a roll-back limit). Conditioning on the total removes the unknown
 * stable rate, so the product over checks of the likelihood ratio of r = rₖ against r = factor is a
 * martingale under "canary at most `factor` × stable" and Ville's inequality bounds its false alarms.
 */
export interface RelativeRule {
  /** The configured worseByFactor: the null is "canary rate ≤ factor × stable rate". */
  factor: number;
  /** Alternative rate ratios (above `factor`) and weights. */
  ratios: WeightedRate[];
  /** Worse than stable when ln E ≥ this (ln 1/α_relative). */
  logBar: number;
}

/** Cumulative log-likelihood ratio per alternative ratio: plain finite numbers. */
export interface RelativeEvidenceState {
  logRatios: number[];
  /** Checks that had both sides' counts. */
  checks: number;
}

export type RelativeVerdict = "worse" | "within" | "inconclusive";

export function initialRelativeEvidence(rule: RelativeRule): RelativeEvidenceState {
  return { logRatios: rule.ratios.map(() => 0), checks: 0 };
}

/** Add one check. Without stable counts (null, or no stable traffic) nothing is added. */
export function observeRelative(
  state: RelativeEvidenceState,
  canary: CheckCounts,
  stable: CheckCounts | null,
  rule: RelativeRule,
): RelativeEvidenceState {
  if (stable === null || stable.requests === 0 || canary.requests === 0) return state;
  const total = canary.errors + stable.errors;
  const share = (r: number) => (r * canary.requests) / (r * canary.requests + stable.requests);
  const nullShare = share(rule.factor);
  return {
    logRatios: state.logRatios.map(
      (sum, k) =>
        sum + logLikelihoodRatio(canary.errors, total, share(rule.ratios[k]?.rate ?? rule.factor), nullShare),
    ),
    checks: state.checks + 1,
  };
}

export function relativeLogE(state: RelativeEvidenceState, rule: RelativeRule): number {
  return logSumExp(rule.ratios.map((a, k) => Math.log(a.weight) + (state.logRatios[k] ?? 0)));
}

/**
 * The relative verdict for this check: "worse" once the evidence crosses its bar; otherwise
 * "inconclusive" when this check lacked stable counts (it must not read as a pass), else "within".
 */
export function judgeRelative(
  state: RelativeEvidenceState,
  rule: RelativeRule,
  stableMissingThisCheck: boolean,
): RelativeVerdict {
  if (relativeLogE(state, rule) >= rule.logBar) return "worse";
  return stableMissingThisCheck ? "inconclusive" : "within";
}
