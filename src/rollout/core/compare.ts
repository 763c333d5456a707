import type { Check } from "./analysis";
import type { BacktestDecision, BacktestResult } from "./backtest";

/**
 * `backtest --compare`: one trace replayed under two configs, and where their decisions part.
 * Pure. The trace is what was measured under the traffic split of its time: a rule that would have
 * advanced or reverted at another check does not change the counts after it. So the failed
 * requests "let through" are the canary's 5xx the trace recorded between the earlier revert and
 * the later one (or the trace's end): the cost of reverting later, at the split of the time.
 */
export interface CompareInput {
  label: string;
  result: BacktestResult;
}

export interface DecisionBrief {
  /** 1-based check number in the trace. */
  check: number;
  at: number;
  step: number;
  weight: number;
  verdict: string;
  action: string;
  reason: string;
}

export interface SideSummary {
  label: string;
  outcome: BacktestResult["outcome"];
  revertedAt: number | null;
  /** 1-based check of the revert or promotion, or of the last decision. */
  endCheck: number;
  decisions: number;
}

export interface Comparison {
  a: SideSummary;
  b: SideSummary;
  /** The first check at which the two decide differently; null when they never do. */
  divergence: { check: number; at: number; a: DecisionBrief | null; b: DecisionBrief | null } | null;
  /** Which one reverted first ("a" | "b"); null when neither or both at the same check. */
  earlierRevert: "a" | "b" | null;
  /** Seconds between the two reverts; null when one never reverts or neither does. */
  revertGapSeconds: number | null;
  /** Canary 5xx in the trace after the earlier revert, up to the later one (or the trace's end). */
  failedRequestsLetThrough: number | null;
  /** Checks in that span without an error count (not counted). */
  checksWithoutData: number;
}

function brief(decision: BacktestDecision | undefined, index: number): DecisionBrief | null {
  if (!decision) return null;
  const { at, step, weight, verdict, action, reason } = decision;
  return { check: index + 1, at, step, weight, verdict, action, reason };
}

function summary(input: CompareInput): SideSummary {
  const { outcome, revertedAt, decisions } = input.result;
  return { label: input.label, outcome, revertedAt, endCheck: decisions.length, decisions: decisions.length };
}

function firstDivergence(a: BacktestDecision[], b: BacktestDecision[]): number | null {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y || x.verdict !== y.verdict || x.action !== y.action) return i;
  }
  return null;
}

export function compareBacktests(checks: Check[], a: CompareInput, b: CompareInput): Comparison {
  const index = firstDivergence(a.result.decisions, b.result.decisions);
  const divergence =
    index === null
      ? null
      : {
          check: index + 1,
          at: checks[index]?.at ?? 0,
          a: brief(a.result.decisions[index], index),
          b: brief(b.result.decisions[index], index),
        };
  const ra = a.result.revertedAt;
  const rb = b.result.revertedAt;
  let earlierRevert: "a" | "b" | null = null;
  if (ra !== null && (rb === null || ra < rb)) earlierRevert = "a";
  else if (rb !== null && (ra === null || rb < ra)) earlierRevert = "b";
  const earlier = earlierRevert === "a" ? ra : earlierRevert === "b" ? rb : null;
  const later = earlierRevert === "a" ? rb : earlierRevert === "b" ? ra : null;
  let failed: number | null = null;
  let withoutData = 0;
  if (earlier !== null) {
    failed = 0;
    for (const check of checks) {
      if (check.at <= earlier || (later !== null && check.at > later)) continue;
      const errors = check.canary.errors;
      if (typeof errors === "number" && Number.isFinite(errors)) failed += errors;
      else withoutData++;
    }
  }
  return {
    a: summary(a),
    b: summary(b),
    divergence,
    earlierRevert,
    revertGapSeconds: earlier !== null && later !== null ? later - earlier : null,
    failedRequestsLetThrough: failed,
    checksWithoutData: withoutData,
  };
}
