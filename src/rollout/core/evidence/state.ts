import { logLikelihoodRatio, logMixture } from "./likelihood";
import type { EvidenceRule } from "./rule";

/**
 * What the error-rate (or slow-request) evidence remembers between checks: four whole numbers,
 * so it survives JSON, resume and a restart exactly, and holds no Infinity or NaN.
 *
 * - `requests`/`errors`: the canary's cumulative counts since it took traffic (the mixture e-value
 *   and the GO gate are functions of these alone).
 * - `segmentRequests`/`segmentErrors`: the counts of the CUSUM's current run. CUSUM is
 *   Cₜ = max(1, Cₜ₋₁)·LRₜ; with one alternative, ln Cₜ is the log-likelihood ratio of the checks
 *   since it was last ≤ 0, so the counts of that run are the whole state (empty when C ≤ 1).
 */
export interface CountEvidenceState {
  requests: number;
  errors: number;
  segmentRequests: number;
  segmentErrors: number;
}

/** One check's new counts (a delta since the previous check, never a cumulative total). */
export interface CheckCounts {
  requests: number;
  errors: number;
}

export function initialCountEvidence(): CountEvidenceState {
  return { requests: 0, errors: 0, segmentRequests: 0, segmentErrors: 0 };
}

/**
 * ln C of the CUSUM run in `state`: evidence that the canary broke somewhere in this run. With a
 * mixture of alternatives the run is the one since the mixture last fell to 1 or below (one restart
 * point for all alternatives, so the state stays four numbers); its bar is calibrated exactly.
 */
export function changePointLog(
  state: CountEvidenceState,
  rule: Pick<EvidenceRule, "nullRate" | "changePointRate" | "changePointAlternatives">,
): number {
  const { segmentErrors, segmentRequests } = state;
  if (rule.changePointAlternatives) {
    if (segmentRequests === 0) return 0;
    return logMixture(segmentErrors, segmentRequests, rule.changePointAlternatives, rule.nullRate);
  }
  return logLikelihoodRatio(segmentErrors, segmentRequests, rule.changePointRate, rule.nullRate);
}

/**
 * Add one check. A check with no requests adds nothing (a data gap is not clean traffic). The CUSUM
 * run ends when its evidence falls to 1 or below, which is what stops clean traffic from being
 * banked against a fault that starts later.
 */
export function observeCounts(
  state: CountEvidenceState,
  check: CheckCounts,
  rule: EvidenceRule,
): CountEvidenceState {
  assertCounts(check);
  if (check.requests === 0) return state;
  const run = {
    requests: state.requests + check.requests,
    errors: state.errors + check.errors,
    segmentRequests: state.segmentRequests + check.requests,
    segmentErrors: state.segmentErrors + check.errors,
  };
  // ln C ≤ 0 means C = max(1, C) = 1 for the next check: the run is over, keep no trace of it.
  return changePointLog(run, rule) > 0 ? run : { ...run, segmentRequests: 0, segmentErrors: 0 };
}

function assertCounts(check: CheckCounts): void {
  const { requests, errors } = check;
  if (!Number.isSafeInteger(requests) || !Number.isSafeInteger(errors) || errors < 0 || errors > requests) {
    throw new RangeError(
      `check counts must be whole numbers with 0 <= errors <= requests, got ${errors}/${requests}`,
    );
  }
}

/** A state read back from JSON: whole, non-negative, consistent counts, or an error saying why not. */
export function parseCountEvidence(value: unknown): CountEvidenceState {
  const v = value as Partial<Record<keyof CountEvidenceState, unknown>>;
  const whole = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
  if (
    typeof value === "object" &&
    value !== null &&
    whole(v.requests) &&
    whole(v.errors) &&
    whole(v.segmentRequests) &&
    whole(v.segmentErrors) &&
    v.errors <= v.requests &&
    v.segmentErrors <= v.segmentRequests &&
    v.segmentRequests <= v.requests &&
    v.segmentErrors <= v.errors
  ) {
    return {
      requests: v.requests,
      errors: v.errors,
      segmentRequests: v.segmentRequests,
      segmentErrors: v.segmentErrors,
    };
  }
  throw new TypeError(`not a count-evidence state: ${JSON.stringify(value)}`);
}
