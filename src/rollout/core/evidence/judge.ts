import { logLikelihoodRatio, logMixture } from "./likelihood";
import { oneCheckTrips } from "./one-check";
import type { EvidenceRule } from "./rule";
import { type CheckCounts, type CountEvidenceState, changePointLog } from "./state";

/** Where the evidence stands after a check: every value with the bar it is measured against. */
export interface EvidenceJudgement {
  /** Strong evidence the canary is over the roll-back limit: revert now. */
  revert: boolean;
  /** Which test called the revert (both may). */
  revertedBy: ("cumulative" | "changePoint" | "oneCheck")[];
  /** The evidence says the canary is within the roll-back limit (and nothing calls a revert). */
  withinLimit: boolean;
  requests: number;
  errors: number;
  cumulative: { logE: number; logBar: number };
  changePoint: { logC: number; logBar: number };
  go: { logE: number; logBar: number };
  /** Evidence the canary is above the GO level (`aboveGoLevel` when it reaches its bar). */
  aboveGo: { logE: number; logBar: number };
  aboveGoLevel: boolean;
}

/**
 * Judge the state after `check` (the counts just observed) against the rule. Pure and cheap: a few
 * logarithms and one memoised count.
 */
export function judgeEvidence(
  state: CountEvidenceState,
  rule: EvidenceRule,
  check: CheckCounts,
): EvidenceJudgement {
  const cumulative = logMixture(state.errors, state.requests, rule.alternatives, rule.nullRate);
  const changePoint = changePointLog(state, rule);
  const go = logMixture(state.errors, state.requests, rule.go.alternatives, rule.go.limit);
  const revertedBy: EvidenceJudgement["revertedBy"] = [];
  if (cumulative >= rule.cumulativeLogBar) revertedBy.push("cumulative");
  if (changePoint >= rule.changePointLogBar) revertedBy.push("changePoint");
  if (oneCheckTrips(check, rule)) revertedBy.push("oneCheck");
  const revert = revertedBy.length > 0;
  const aboveGo = logLikelihoodRatio(state.errors, state.requests, rule.aboveGo.rate, rule.aboveGo.goAtMost);
  return {
    revert,
    revertedBy,
    withinLimit: !revert && go >= rule.go.logBar,
    requests: state.requests,
    errors: state.errors,
    cumulative: { logE: cumulative, logBar: rule.cumulativeLogBar },
    changePoint: { logC: changePoint, logBar: rule.changePointLogBar },
    go: { logE: go, logBar: rule.go.logBar },
    aboveGo: { logE: aboveGo, logBar: rule.aboveGo.logBar },
    aboveGoLevel: !revert && aboveGo >= rule.aboveGo.logBar,
  };
}

/** The revert decision alone (state after `check`), for the exact computations that call it millions of times. */
export function revertsNow(state: CountEvidenceState, rule: EvidenceRule, check: CheckCounts): boolean {
  return (
    oneCheckTrips(check, rule) ||
    changePointLog(state, rule) >= rule.changePointLogBar ||
    logMixture(state.errors, state.requests, rule.alternatives, rule.nullRate) >= rule.cumulativeLogBar
  );
}
