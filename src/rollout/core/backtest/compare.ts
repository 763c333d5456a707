import type { Check } from "../analysis/check";
import type { BacktestDecision, BacktestResult } from "./replay";

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

interface SideTally {
  label: string;
  decisions: number;
  revertedAt: number | null;
}

/**
 * The comparison built one check at a time, so a trace of any length is compared in constant
 * memory: feed each check with the decision each side made on it (undefined once its replay has
 * ended), then read `result` with both outcomes.
 */
export class ComparisonTally {
  private readonly a: SideTally;
  private readonly b: SideTally;
  private index = 0;
  private divergence: Comparison["divergence"] = null;
  private failed = 0;
  private withoutData = 0;
  private closed = false;

  constructor(labelA: string, labelB: string) {
    this.a = { label: labelA, decisions: 0, revertedAt: null };
    this.b = { label: labelB, decisions: 0, revertedAt: null };
  }

  feed(check: Check, da: BacktestDecision | undefined, db: BacktestDecision | undefined): void {
    const i = this.index++;
    if (
      this.divergence === null &&
      (da || db) &&
      (!da || !db || da.verdict !== db.verdict || da.action !== db.action)
    )
      this.divergence = { check: i + 1, at: check.at, a: brief(da, i), b: brief(db, i) };
    for (const [side, d] of [
      [this.a, da],
      [this.b, db],
    ] as const) {
      if (!d) continue;
      side.decisions++;
      if (d.action === "revert") side.revertedAt = check.at;
    }
    this.countLetThrough(check);
  }

  /** Canary 5xx after the earlier revert, up to the check of the later one: the cost of reverting later. */
  private countLetThrough(check: Check): void {
    const ra = this.a.revertedAt;
    const rb = this.b.revertedAt;
    const earlier = ra === null ? rb : rb === null ? ra : Math.min(ra, rb);
    if (this.closed || earlier === null) return;
    // The check of the later revert is the last one counted.
    this.closed = ra !== null && rb !== null;
    if (check.at <= earlier) return;
    const errors = check.canary.errors;
    if (typeof errors === "number" && Number.isFinite(errors)) this.failed += errors;
    else this.withoutData++;
  }

  /** The comparison, given each side's outcome once its replay ended. */
  result(outcomeA: BacktestResult["outcome"], outcomeB: BacktestResult["outcome"]): Comparison {
    const side = (t: SideTally, outcome: BacktestResult["outcome"]): SideSummary => ({
      label: t.label,
      outcome,
      revertedAt: t.revertedAt,
      endCheck: t.decisions,
      decisions: t.decisions,
    });
    const ra = this.a.revertedAt;
    const rb = this.b.revertedAt;
    let earlierRevert: "a" | "b" | null = null;
    if (ra !== null && (rb === null || ra < rb)) earlierRevert = "a";
    else if (rb !== null && (ra === null || rb < ra)) earlierRevert = "b";
    return {
      a: side(this.a, outcomeA),
      b: side(this.b, outcomeB),
      divergence: this.divergence,
      earlierRevert,
      revertGapSeconds: ra !== null && rb !== null && earlierRevert ? Math.abs(ra - rb) : null,
      failedRequestsLetThrough: earlierRevert ? this.failed : null,
      checksWithoutData: earlierRevert ? this.withoutData : 0,
    };
  }
}

/** Two finished replays of `checks` compared (the tally over their decisions). */
export function compareBacktests(checks: Check[], a: CompareInput, b: CompareInput): Comparison {
  const tally = new ComparisonTally(a.label, b.label);
  checks.forEach((check, i) => {
    tally.feed(check, a.result.decisions[i], b.result.decisions[i]);
  });
  return tally.result(a.result.outcome, b.result.outcome);
}
