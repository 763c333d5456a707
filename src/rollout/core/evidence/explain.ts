import { smallestHolding } from "./bisect";
import { revertsNow } from "./judge";
import { logMixture } from "./likelihood";
import type { EvidenceRule, GoGateRule } from "./rule";
import { type CountEvidenceState, initialCountEvidence, observeCounts } from "./state";

/**
 * What the evidence means in counts a person can check: "6 errors in the next 100 requests would
 * revert", and how many clean requests the GO gate needs.
 */

/** The fewest errors among the next `requests` that would revert now, or null if none would. */
export function errorsThatWouldRevert(
  state: CountEvidenceState,
  rule: EvidenceRule,
  requests: number,
): number | null {
  const reverts = (errors: number) =>
    revertsNow(observeCounts(state, { requests, errors }, rule), rule, { requests, errors });
  if (requests === 0 || !reverts(requests)) return null;
  // More errors never weaken the evidence (every alternative is above the null), so bisect.
  return smallestHolding(0, requests, reverts);
}

export function explainRevertCount(state: CountEvidenceState, rule: EvidenceRule, requests: number): string {
  const k = errorsThatWouldRevert(state, rule, requests);
  return k === null
    ? `no number of errors in the next ${requests} requests would revert`
    : `${k} error${k === 1 ? "" : "s"} in the next ${requests} requests would revert`;
}

/** Requests the canary must serve at `errorRate` (default: none failing) before the GO gate passes. */
export function requestsToPassGo(go: GoGateRule, errorRate = 0, cap = 10_000_000): number | null {
  const passes = (n: number) =>
    logMixture(Math.floor(n * errorRate), n, go.alternatives, go.limit) >= go.logBar;
  if (!passes(cap)) return null;
  // More clean requests only strengthen the evidence; zero requests never pass.
  return smallestHolding(1, cap, passes);
}

export interface PlanRow {
  weight: number;
  requestsPerCheck: number;
  changePointBar: number;
  cumulativeBar: number;
  /** Errors in the step's first check that revert at once (from a clean start). */
  errorsRevertingFirstCheck: number | null;
  /** Errors in the first 100 requests that revert. */
  errorsRevertingFirst100: number | null;
  /** Clean requests, and requests at the GO level, before the GO gate passes. */
  cleanRequestsToGo: number | null;
  requestsToGoAtGoLevel: number | null;
}

/** The plan table: one row per traffic level, each judged by the rule derived for that level. */
export function planRows(
  levels: { weight: number; requestsPerCheck: number; rule: EvidenceRule }[],
): PlanRow[] {
  return levels.map(({ weight, requestsPerCheck, rule }) => ({
    weight,
    requestsPerCheck,
    changePointBar: Math.exp(rule.changePointLogBar),
    cumulativeBar: Math.exp(rule.cumulativeLogBar),
    errorsRevertingFirstCheck: errorsThatWouldRevert(initialCountEvidence(), rule, requestsPerCheck),
    errorsRevertingFirst100: errorsThatWouldRevert(initialCountEvidence(), rule, 100),
    cleanRequestsToGo: requestsToPassGo(rule.go),
    requestsToGoAtGoLevel: requestsToPassGo(rule.go, rule.nullRate),
  }));
}
