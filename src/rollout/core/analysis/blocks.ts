import type { ErrorRateThreshold } from "../../../config";
import { extendStreak, thresholdView } from "./levels";
import { wilsonLower, worseThanStable } from "./statistics";
import {
  type Check,
  type ErrorBlock,
  isNumber,
  pct,
  queryOf,
  type SignalThresholdView,
  type SignalVerdict,
} from "./types";

/**
 * `analysis: consecutive`: error rate by evidence blocks. Checks pool into a block of at least
 * `minRequests` canary requests; a block breaches when the one-sided Wilson lower bound of its rate
 * is above the limit (or, with compareToStable, when it is worse than stable); NO-GO once breaches
 * repeat `consecutive` blocks in a row or last `forSeconds` (in time). Missing stable counts make
 * the relative part inconclusive and never hold back an absolute breach.
 */

export const EMPTY_BLOCK: ErrorBlock = {
  checks: 0,
  requests: 0,
  errors: 0,
  stableRequests: 0,
  stableErrors: 0,
};

export interface BlockInput {
  threshold: ErrorRateThreshold;
  interval: number;
  check: Check;
  block: ErrorBlock;
  counter: number;
  since: number | undefined;
  stale: string | undefined;
}

export interface BlockResult {
  verdict: SignalVerdict;
  block: ErrorBlock;
  since: number | undefined;
}

function view(threshold: ErrorRateThreshold, interval: number): SignalThresholdView {
  const { minRequests, confidence, compareToStable } = threshold;
  return { ...thresholdView(threshold, interval), minRequests, confidence, compareToStable };
}

/** The canary's counts, or why they cannot be judged. */
export function canaryCounts(check: Check): { requests: number; errors: number } | string {
  const { requests, errors } = check.canary;
  if (!isNumber(requests) || !isNumber(errors)) return "no data";
  if (errors < 0 || requests < 0 || errors > requests) return `inconsistent counts ${errors}/${requests}`;
  return { requests, errors };
}

export function stableCounts(check: Check): { requests: number; errors: number } | null {
  const { requests, errors } = check.stable;
  return isNumber(requests) && isNumber(errors) && errors >= 0 && errors <= requests
    ? { requests, errors }
    : null;
}

function pool(block: ErrorBlock, check: Check, canary: { requests: number; errors: number }): ErrorBlock {
  const stable = stableCounts(check);
  const keep = stable !== null && block.stableRequests !== null && block.stableErrors !== null;
  return {
    checks: block.checks + 1,
    requests: block.requests + canary.requests,
    errors: block.errors + canary.errors,
    stableRequests: keep ? (block.stableRequests as number) + stable.requests : null,
    stableErrors: keep ? (block.stableErrors as number) + stable.errors : null,
    startedAt: block.checks === 0 ? check.at : (block.startedAt ?? check.at),
  };
}

export function judgeErrorBlocks(input: BlockInput): BlockResult {
  const { threshold, check, block, counter } = input;
  const base = { signal: "errorRate" as const, threshold: view(threshold, input.interval), breach: false };
  const query = queryOf(check, "errorRate", "errors", "requests");
  const canary = input.stale ?? canaryCounts(check);
  if (typeof canary === "string") {
    const verdict = {
      ...base,
      query,
      value: null,
      sampleSize: null,
      counter,
      reason: `errorRate: ${canary}`,
    };
    return { block, since: input.since, verdict: { ...verdict, verdict: "INCONCLUSIVE" } };
  }
  const pooled = pool(block, check, canary);
  if (pooled.requests < threshold.minRequests) {
    const reason = `errorRate: waiting for evidence: ${pooled.requests}/${threshold.minRequests} requests (${pooled.checks} check${pooled.checks === 1 ? "" : "s"} pooled)`;
    const value = pooled.requests > 0 ? pooled.errors / pooled.requests : null;
    const detail = { blockChecks: pooled.checks, blockErrors: pooled.errors };
    return {
      block: pooled,
      since: input.since,
      verdict: {
        ...base,
        query,
        value,
        sampleSize: pooled.requests,
        verdict: "OBSERVE",
        counter,
        reason,
        detail,
      },
    };
  }
  return judgeBlock(input, pooled, { ...base, query });
}

/** A full block: judged, and the next check starts a new one. */
function judgeBlock(
  input: BlockInput,
  pooled: ErrorBlock,
  base: Pick<SignalVerdict, "signal" | "threshold" | "query" | "breach">,
): BlockResult {
  const { threshold } = input;
  const rate = pooled.errors / pooled.requests;
  const lower = wilsonLower(pooled.errors, pooled.requests, threshold.confidence);
  const detail: Record<string, number | string | boolean | null> = {
    blockChecks: pooled.checks,
    blockErrors: pooled.errors,
    wilsonLower: lower,
  };
  const reasons: string[] = [];
  if (threshold.rollbackAbove !== undefined && lower > threshold.rollbackAbove) {
    reasons.push(
      `${pct(rate)} (${pooled.errors}/${pooled.requests}); ${pct(threshold.confidence)}-confidence lower bound ${pct(lower)} > ${pct(threshold.rollbackAbove)}`,
    );
  }
  const relative = compareBlock(threshold, pooled, detail);
  if (relative.worse) reasons.push(relative.worse);
  const judged = { ...base, value: rate, sampleSize: pooled.requests, detail };
  const next = { ...EMPTY_BLOCK };
  if (reasons.length > 0) {
    // A breach lasts from the first check of its first block (time, not block count).
    const since = input.since ?? pooled.startedAt;
    const lasted = extendStreak(
      base.threshold,
      input.interval,
      { counter: input.counter, since },
      input.check.at,
    );
    const missing = relative.missing ? "; stable counts missing for the comparison with stable" : "";
    const verdict = {
      ...judged,
      breach: true,
      verdict: lasted.noGo ? ("NO-GO" as const) : ("OBSERVE" as const),
      counter: lasted.counter,
      reason: `errorRate: ${reasons.join("; ")} (${lasted.progress}, blocks)${missing}`,
    };
    return { block: next, since: lasted.since, verdict };
  }
  if (relative.missing) {
    const reason = "errorRate: stable counts missing for the comparison with stable";
    return {
      block: next,
      since: undefined,
      verdict: { ...judged, verdict: "INCONCLUSIVE", counter: 0, reason },
    };
  }
  const go = rate <= threshold.goAtMost;
  const counts = `${pct(rate)} (${pooled.errors}/${pooled.requests})`;
  const reason = go
    ? `errorRate: ${counts} <= ${pct(threshold.goAtMost)}`
    : `errorRate: ${counts} above the GO gate ${pct(threshold.goAtMost)}, lower bound ${pct(lower)} not above the limit`;
  return {
    block: next,
    since: undefined,
    verdict: { ...judged, verdict: go ? "GO" : "OBSERVE", counter: 0, reason },
  };
}

/** The block's canary-vs-stable test: why it is worse, or that stable's counts were missing. */
function compareBlock(
  threshold: ErrorRateThreshold,
  pooled: ErrorBlock,
  detail: Record<string, number | string | boolean | null>,
): { worse?: string; missing: boolean } {
  if (!threshold.compareToStable) return { missing: false };
  const { worseByFactor, confidence } = threshold.compareToStable;
  if (pooled.stableRequests === null || pooled.stableErrors === null) {
    detail.relative = "stable counts missing";
    return { missing: true };
  }
  const stable = { requests: pooled.stableRequests, errors: pooled.stableErrors };
  const test = worseThanStable(
    { requests: pooled.requests, errors: pooled.errors },
    stable,
    worseByFactor,
    confidence,
  );
  detail.stableRate = stable.requests > 0 ? stable.errors / stable.requests : null;
  detail.stableRequests = stable.requests;
  detail.relativePValue = test.pValue;
  if (test.skipped) detail.relative = test.skipped;
  if (!test.worse) return { missing: false };
  return {
    missing: false,
    worse: `worse than stable by more than ${worseByFactor}x (${pooled.errors}/${pooled.requests} vs ${stable.errors}/${stable.requests}, p = ${test.pValue.toPrecision(3)} <= ${+(1 - confidence).toFixed(4)})`,
  };
}
