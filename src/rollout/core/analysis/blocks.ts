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

type Detail = Record<string, number | string | boolean | null>;
/** A full block's verdict before its breach streak or GO gate is applied. */
type JudgedBlock = Pick<
  SignalVerdict,
  "signal" | "threshold" | "query" | "breach" | "value" | "sampleSize"
> & {
  detail: Detail;
};

/** A full block: judged, and the next check starts a new one. */
function judgeBlock(
  input: BlockInput,
  pooled: ErrorBlock,
  base: Pick<SignalVerdict, "signal" | "threshold" | "query" | "breach">,
): BlockResult {
  const { threshold } = input;
  const rate = pooled.errors / pooled.requests;
  const lower = wilsonLower(pooled.errors, pooled.requests, threshold.confidence);
  const detail: Detail = { blockChecks: pooled.checks, blockErrors: pooled.errors, wilsonLower: lower };
  const absolute = absoluteBreach(threshold, pooled, rate, lower);
  const relative = compareBlock(threshold, pooled, detail);
  const reasons = [absolute, relative.worse].filter((reason): reason is string => reason !== undefined);
  const judged = { ...base, value: rate, sampleSize: pooled.requests, detail };
  if (reasons.length > 0) return breachedBlock(input, pooled, judged, reasons, relative.missing);
  return clearBlock(threshold, pooled, judged, lower, relative.missing);
}

/** Why the block's error rate is above the limit with the configured confidence, if it is. */
function absoluteBreach(
  threshold: ErrorRateThreshold,
  pooled: ErrorBlock,
  rate: number,
  lower: number,
): string | undefined {
  if (threshold.rollbackAbove === undefined || lower <= threshold.rollbackAbove) return undefined;
  return `${pct(rate)} (${pooled.errors}/${pooled.requests}); ${pct(threshold.confidence)}-confidence lower bound ${pct(lower)} > ${pct(threshold.rollbackAbove)}`;
}

/**
 * A breaching block extends the breach streak, which lasts from the first check of its first
 * block (time, not block count); NO-GO once it has lasted long enough, OBSERVE until then.
 */
function breachedBlock(
  input: BlockInput,
  pooled: ErrorBlock,
  judged: JudgedBlock,
  reasons: string[],
  stableMissing: boolean,
): BlockResult {
  const since = input.since ?? pooled.startedAt;
  const streak = { counter: input.counter, since };
  const lasted = extendStreak(judged.threshold, input.interval, streak, input.check.at);
  const missing = stableMissing ? "; stable counts missing for the comparison with stable" : "";
  const verdict = {
    ...judged,
    breach: true,
    verdict: lasted.noGo ? ("NO-GO" as const) : ("OBSERVE" as const),
    counter: lasted.counter,
    reason: `errorRate: ${reasons.join("; ")} (${lasted.progress}, blocks)${missing}`,
  };
  return { block: { ...EMPTY_BLOCK }, since: lasted.since, verdict };
}

/**
 * A block that does not breach ends the streak: GO when its rate is within the GO gate, OBSERVE
 * above it, INCONCLUSIVE when the comparison with stable could not be made.
 */
function clearBlock(
  threshold: ErrorRateThreshold,
  pooled: ErrorBlock,
  judged: JudgedBlock,
  lower: number,
  stableMissing: boolean,
): BlockResult {
  const next = { block: { ...EMPTY_BLOCK }, since: undefined };
  if (stableMissing) {
    const reason = "errorRate: stable counts missing for the comparison with stable";
    return { ...next, verdict: { ...judged, verdict: "INCONCLUSIVE", counter: 0, reason } };
  }
  const rate = pooled.errors / pooled.requests;
  const go = rate <= threshold.goAtMost;
  const counts = `${pct(rate)} (${pooled.errors}/${pooled.requests})`;
  const reason = go
    ? `errorRate: ${counts} <= ${pct(threshold.goAtMost)}`
    : `errorRate: ${counts} above the GO gate ${pct(threshold.goAtMost)}, lower bound ${pct(lower)} not above the limit`;
  return { ...next, verdict: { ...judged, verdict: go ? "GO" : "OBSERVE", counter: 0, reason } };
}

/** The block's canary-vs-stable test: why it is worse, or that stable's counts were missing. */
function compareBlock(
  threshold: ErrorRateThreshold,
  pooled: ErrorBlock,
  detail: Detail,
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
