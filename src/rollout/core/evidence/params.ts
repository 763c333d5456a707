import type { EvidenceSettings } from "../../../config/evidence";
import { binomialTable } from "./binomial";
import { calibrateChangePointLogBar } from "./calibrate";
import type { EvidenceRule } from "./rule";
import { changePointLog } from "./state";

/**
 * Proposed config (per stage, under `thresholds.errorRate.evidence`; the same shape serves the
 * slow-request share of `p95LatencyMs`), and the derivation of an `EvidenceRule` from it and from
 * plain numbers. Everything is relative to the signal's own limits, so one set of defaults fits a
 * 1% error-rate limit and a 5% slow-request limit alike.
 */
export type EvidenceConfig = EvidenceSettings;

export interface SignalLimits {
  /** Revert above this rate (error rate 0.01; slow-request share 0.05 for a P95 limit). */
  rollbackAbove: number;
  /** A healthy canary is at or under this rate (error rate 0.005). */
  goAtMost: number;
}

/** The rule for one traffic level: `expectedRequestsPerCheck` is the step's expected canary requests per check. */
export function deriveEvidenceRule(
  limits: SignalLimits,
  config: EvidenceConfig,
  expectedRequestsPerCheck: number,
): EvidenceRule {
  const { rollbackAbove: limit, goAtMost } = limits;
  if (!(goAtMost > 0 && goAtMost < limit && limit < 1)) {
    throw new RangeError(`need 0 < goAtMost < rollbackAbove < 1, got ${goAtMost} and ${limit}`);
  }
  const alternatives = weighted(config.alternatives, config.weights, limit);
  const base = {
    nullRate: Math.max(goAtMost, config.nullFactor * limit),
    alternatives,
    cumulativeLogBar: Math.log(1 / (config.alpha * config.cumulativeShare)),
    changePointRate: Math.min(0.5, config.changePointFactor * limit),
    go: {
      limit,
      alternatives: weighted(config.goAlternatives, config.goWeights, goAtMost),
      logBar: Math.log(1 / config.advanceAtLimitAtMost),
    },
  };
  const requests = Math.max(1, Math.round(expectedRequestsPerCheck));
  if (!config.changePointMixture) return withChangePointBar(base, config, limits, requests).rule;
  // The change-point test leans on the high alternative (`changePointWeights`) where one check of a
  // hard fault can be decisive at this traffic; where it cannot (too few requests per check), that
  // bet buys nothing and the test bets like the cumulative one, on the moderate fault.
  const fast = withChangePointBar(
    { ...base, changePointAlternatives: weighted(config.alternatives, config.changePointWeights, limit) },
    config,
    limits,
    requests,
  );
  if (fast.oneCheckAffordable) return fast.rule;
  return withChangePointBar({ ...base, changePointAlternatives: alternatives }, config, limits, requests)
    .rule;
}

/** The change-point bar for `base` at `requests` per check, and whether it buys a one-check revert. */
function withChangePointBar(
  base: Omit<EvidenceRule, "changePointLogBar">,
  config: EvidenceConfig,
  limits: SignalLimits,
  requests: number,
): { rule: EvidenceRule; oneCheckAffordable: boolean } {
  const { rollbackAbove: limit, goAtMost } = limits;
  const budget = config.alpha * (1 - config.cumulativeShare);
  // Never below ln(1/budget): no single check whose e-value is under 1/budget reverts, whatever the
  // traffic (Markov's inequality per check), so an over-estimated traffic level cannot make it trigger-happy.
  const healthy = calibrateChangePointLogBar(base, requests, config.horizonChecks, budget, goAtMost);
  const hold = calibrateChangePointLogBar(
    base,
    requests,
    config.horizonChecks,
    config.holdRevertAtMost,
    config.holdFactor * limit,
  );
  const oneCheck = oneCheckLogBar(base, requests, Math.min(0.5, config.fastRevertFactor * limit), config);
  const floor = Math.max(healthy, Math.log(1 / budget));
  // A one-check revert the healthy guarantee cannot afford (too few requests per check) is not pursued.
  const oneCheckAffordable = oneCheck >= floor;
  const ceiling = oneCheckAffordable ? Math.min(hold, oneCheck) : hold;
  return { rule: { ...base, changePointLogBar: Math.max(floor, ceiling) }, oneCheckAffordable };
}

/** Rates as multiples of `unit`, capped below 1, with weights normalised to sum to 1. */
function weighted(factors: number[], weights: number[], unit: number) {
  if (factors.length !== weights.length) {
    throw new RangeError(`${factors.length} alternatives but ${weights.length} weights`);
  }
  const total = weights.reduce((a, b) => a + b, 0);
  return factors.map((f, i) => ({ rate: Math.min(0.5, f * unit), weight: (weights[i] as number) / total }));
}

/**
 * The highest change-point bar that one check of `requests` at `brokenRate` still crosses with
 * probability `fastRevertProbability` from a fresh run: the evidence of the check's error count at
 * that quantile.
 */
function oneCheckLogBar(
  rule: Omit<EvidenceRule, "changePointLogBar">,
  requests: number,
  brokenRate: number,
  config: EvidenceConfig,
): number {
  const table = binomialTable(requests, brokenRate);
  let upper = 0;
  let errors = table.from + table.probabilities.length - 1;
  // Walk down from the most errors until the upper tail holds the wanted probability.
  for (; errors >= table.from; errors--) {
    upper += table.probabilities[errors - table.from] as number;
    if (upper >= config.fastRevertProbability) break;
  }
  const run = { requests, errors, segmentRequests: requests, segmentErrors: errors };
  return changePointLog(run, { ...rule, changePointLogBar: 0 });
}

/**
 * The slow-request share behind a P95 limit: P95 > threshold ⇔ more than 5% of requests are slower
 * than it, so the roll-back limit is 5%. A GO level for latency is a different threshold in ms and
 * says nothing about the share over this one, so the GO share mirrors the error rate's GO/limit
 * ratio: half the limit (2.5%).
 */
export function slowShareLimits(percentile = 95, goFraction = 0.5): SignalLimits {
  const rollbackAbove = (100 - percentile) / 100;
  return { rollbackAbove, goAtMost: goFraction * rollbackAbove };
}
