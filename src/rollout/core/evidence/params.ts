import type { EvidenceSettings } from "../../../config/evidence";
import { calibrateChangePointLogBar, exactlyCalibratedOver, smallestLogBar } from "./calibrate";
import { changePointCrossing } from "./change-point-crossing";
import { cumulativeCrossing } from "./exact";
import { oneCheckTripProbability } from "./one-check";
import type { EvidenceRule } from "./rule";

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

/**
 * The rule for one traffic level: `expectedRequestsPerCheck` is the step's expected canary requests
 * per check (or the observed level). Only the OBSERVE-band hold raises anything with it: every
 * false-revert guarantee holds whatever the traffic does.
 */
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
    ...(config.changePointMixture
      ? { changePointAlternatives: weighted(config.alternatives, config.changePointWeights, limit) }
      : {}),
    oneCheck: {
      nullAtMost: (config.alpha * config.oneCheckShare) / config.horizonChecks,
      holdRate: config.holdFactor * limit,
      holdAtMost: (config.holdRevertAtMost * HOLD_SPLIT.oneCheck) / config.horizonChecks,
    },
    go: {
      limit,
      alternatives: weighted(config.goAlternatives, config.goWeights, goAtMost),
      logBar: Math.log(1 / config.advanceAtLimitAtMost),
    },
    aboveGo: {
      goAtMost,
      // The OBSERVE band's rate, or midway to the limit when holdFactor puts it at or under GO.
      rate: config.holdFactor * limit > goAtMost ? config.holdFactor * limit : (goAtMost + limit) / 2,
      logBar: Math.log(1 / config.holdAboveGoAtMost),
    },
  };
  const requests = Math.max(1, Math.round(expectedRequestsPerCheck));
  const changePoint = changePointLogBar(base, config, limit, requests);
  const rule = { ...base, changePointLogBar: changePoint };
  return { ...rule, cumulativeLogBar: cumulativeLogBar(rule, config, limit, requests) };
}

/**
 * How the OBSERVE-band budget (`holdRevertAtMost`: the chance a canary at `holdFactor` × the limit
 * is reverted over the horizon) is spent: these shares at most by the one-check trigger (per check)
 * and the change-point test; the cumulative test gets what they leave at the step's traffic. The
 * trigger's share keeps 5 errors of 50 reverting over an 80-check horizon
 * (P(Bin(50, 0.8%) ≥ 5) = 5.14e-5 ≤ 0.45·1%/80).
 */
const HOLD_SPLIT = { oneCheck: 0.45, changePoint: 0.2 };

/**
 * The cumulative bar: ln 1/(α·cumulativeShare) carries the guarantee (Ville, any traffic, any
 * length); where the step's traffic would let an OBSERVE-band canary drift over it within the
 * horizon, it is raised to the smallest bar that keeps the three tests' exact OBSERVE-band reverts
 * summed within `holdRevertAtMost` (each exact DP at that traffic; the sum bounds the joint figure).
 */
function cumulativeLogBar(rule: EvidenceRule, config: EvidenceConfig, limit: number, requests: number) {
  const floor = rule.cumulativeLogBar;
  // Beyond the exact computation's reach (bounded time and memory for any input) the floor stands.
  if (!exactlyCalibratedOver(requests, config.horizonChecks)) return floor;
  const hold = config.holdFactor * limit;
  const horizon = config.horizonChecks;
  const others =
    1 -
    (1 - oneCheckTripProbability(requests, hold, rule)) ** horizon +
    changePointCrossing(rule, requests, horizon, hold, rule.changePointLogBar);
  // Never less than the change-point's share, should the others have spent more than planned.
  const budget = Math.max(config.holdRevertAtMost * HOLD_SPLIT.changePoint, config.holdRevertAtMost - others);
  const crossing = (raise: number) =>
    cumulativeCrossing({ ...rule, cumulativeLogBar: floor + raise }, requests, horizon, hold, budget);
  return floor + smallestLogBar((raise) => crossing(raise) <= budget);
}

/**
 * The change-point bar: the floor carries the guarantee, the hold raises it.
 *
 * Floor: for a canary at or under p₀, every restart point s starts a mixture likelihood ratio
 * Λₛ,ₜ that is a non-negative martingale with mean 1, whatever the check sizes (even chosen by the
 * past). The CUSUM is one of them, so it is at most the Shiryaev–Roberts sum Rₜ = Σₛ Λₛ,ₜ, whose
 * mean after n checks with data is n; Rₜ is a submartingale, so by Doob's inequality
 * P(CUSUM reaches B within n checks) ≤ n / B. With B = horizon / budget this is ≤ budget over the
 * horizon for any traffic pattern, and grows only linearly past it. No traffic level lowers it.
 *
 * Hold: where the step's traffic is high, OBSERVE-band canaries (`holdFactor` × the limit) would
 * cross the floor by drift, so the bar is raised to the smallest one that reverts them at most
 * `holdRevertAtMost` over the horizon at that traffic (exact DP). Raising never weakens the floor.
 */
function changePointLogBar(
  base: Omit<EvidenceRule, "changePointLogBar">,
  config: EvidenceConfig,
  limit: number,
  requests: number,
): number {
  const budget = config.alpha * (1 - config.cumulativeShare - config.oneCheckShare);
  const floor = Math.log(config.horizonChecks / budget);
  if (!exactlyCalibratedOver(requests, config.horizonChecks)) return floor;
  const hold = calibrateChangePointLogBar(
    base,
    requests,
    config.horizonChecks,
    config.holdRevertAtMost * HOLD_SPLIT.changePoint,
    config.holdFactor * limit,
  );
  return Math.max(floor, hold);
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
 * The slow-request share behind a P95 limit: P95 > threshold ⇔ more than 5% of requests are slower
 * than it, so the roll-back limit is 5%. A GO level for latency is a different threshold in ms and
 * says nothing about the share over this one, so the GO share mirrors the error rate's GO/limit
 * ratio: half the limit (2.5%).
 */
export function slowShareLimits(percentile = 95, goFraction = 0.5): SignalLimits {
  const rollbackAbove = (100 - percentile) / 100;
  return { rollbackAbove, goAtMost: goFraction * rollbackAbove };
}
