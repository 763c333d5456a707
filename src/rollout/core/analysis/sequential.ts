import type { Thresholds } from "../../../config";
import { errorsThatWouldRevert, explainRevertCount } from "../evidence/explain";
import { type EvidenceJudgement, judgeEvidence } from "../evidence/judge";
import {
  initialRelativeEvidence,
  judgeRelative,
  observeRelative,
  type RelativeVerdict,
} from "../evidence/relative";
import type { EvidenceRule } from "../evidence/rule";
import {
  type CheckCounts,
  type CountEvidenceState,
  initialCountEvidence,
  observeCounts,
} from "../evidence/state";
import { foldCounters, type LedgerDeltas, type SideDeltas } from "../sample/ledger";
import { refusedCount } from "../sample/plausible-counts";
import { canaryCounts, stableCounts } from "./blocks";
import { evidenceRule, relativeRule, SLOW_SHARE_LIMITS, trafficLevel } from "./evidence-rules";
import { judgeLevel, thresholdView } from "./levels";
import {
  type Check,
  type EvidenceRecord,
  isNumber,
  pct,
  queryOf,
  type SequentialState,
  type SignalVerdict,
  type Verdict,
} from "./types";

/**
 * `analysis: sequential`: error rate, and latency as the share of slow requests, judged by the
 * evidence engine (src/rollout/core/evidence, docs/rollout.md) on the canary's cumulative counts.
 * A check with no requests adds nothing; stale or missing data adds nothing and is INCONCLUSIVE;
 * an overwhelming check reverts at once. GO means no evidence of harm: the early steps advance on
 * it after their bake, while the GO gate's evidence of being within the limit is demanded before
 * the promotion (decide.ts), where the rollout's guarantee is stated (docs/evidence.md).
 */

export function initialSequentialState(thresholds: Thresholds): SequentialState {
  const compare = thresholds.errorRate.compareToStable;
  return {
    errorRate: initialCountEvidence(),
    slow: initialCountEvidence(),
    relative: compare ? initialRelativeEvidence(relativeRule(compare)) : null,
    ledger: null,
  };
}

export interface SequentialInput {
  thresholds: Thresholds;
  interval: number;
  /** The step's expected canary requests per check (rate × weight × interval), when declared. */
  expectedPerCheck?: number;
  /** The most one check may count (sample/plausible-counts.ts); larger or fractional deltas are no data. */
  maxCountPerCheck?: number;
  check: Check;
  state: SequentialState;
  stale?: string;
  /** Level-rule state of P95, for checks that carry only a P95 value. */
  latency: { counter: number; since: number | undefined };
}

interface Counts {
  canary: CheckCounts | string;
  slow: CheckCounts | null;
  stable: CheckCounts | null;
}

/** Why a side's ledger differences are refused (not whole, or more than a check can hold), if they are. */
function refusedDeltas(side: SideDeltas, label: string, ceiling: number): string | undefined {
  for (const [name, value] of Object.entries(side)) {
    const why = value === undefined ? undefined : refusedCount(`${label} ${name}`, value, ceiling);
    if (why) return why;
  }
  return undefined;
}

/** This check's counts: exact ledger differences when the source read counters, else the window's. */
function countsOf(check: Check, deltas: LedgerDeltas | null, ceiling: number): Counts {
  if (deltas) {
    const refused = refusedDeltas(deltas.canary, "canary", ceiling);
    if (refused) return { canary: refused, slow: null, stable: null };
    const c = deltas.canary;
    const s = deltas.stable;
    const both = (n?: number, k?: number) =>
      n === undefined || k === undefined ? null : { requests: n, errors: k };
    const slow =
      c.latencyCount !== undefined && c.latencyFast !== undefined && c.latencyFast <= c.latencyCount
        ? { requests: c.latencyCount, errors: c.latencyCount - c.latencyFast }
        : null;
    const canary = both(c.requests, c.errors);
    const consistent = canary !== null && canary.errors <= canary.requests;
    return {
      canary: consistent ? canary : "no counter data",
      slow,
      stable: refusedDeltas(s, "stable", ceiling) ? null : both(s.requests, s.errors),
    };
  }
  const canary = canaryCounts(check);
  const slow = check.canary.slow;
  const withSlow =
    typeof canary !== "string" && isNumber(slow) && slow >= 0 && slow <= canary.requests
      ? { requests: canary.requests, errors: slow }
      : null;
  return { canary, slow: withSlow, stable: stableCounts(check) };
}

export interface SequentialResult {
  errorRate: SignalVerdict;
  p95: SignalVerdict & { since?: number };
  state: SequentialState;
}

export function judgeSequential(input: SequentialInput): SequentialResult {
  const { check, state } = input;
  if (input.stale) {
    const errorRate = unjudged(input, "errorRate", input.stale);
    return { errorRate, p95: unjudged(input, "p95LatencyMs", input.stale), state };
  }
  const folded = check.counters ? foldCounters(state.ledger, check.counters) : null;
  const ceiling = input.maxCountPerCheck ?? Number.POSITIVE_INFINITY;
  const counts = countsOf(check, folded?.deltas ?? check.deltas ?? null, ceiling);
  const next: SequentialState = { ...state, ledger: folded?.ledger ?? state.ledger };
  const error = judgeErrorEvidence(input, counts, next);
  const p95 = judgeSlowShare(input, counts, error.state);
  return { errorRate: error.verdict, p95: p95.verdict, state: p95.state };
}

function unjudged(input: SequentialInput, signal: "errorRate" | "p95LatencyMs", why: string): SignalVerdict {
  const t = signal === "errorRate" ? input.thresholds.errorRate : input.thresholds.p95LatencyMs;
  return {
    signal,
    verdict: "INCONCLUSIVE",
    counter: 0,
    breach: false,
    value: null,
    sampleSize: null,
    threshold: thresholdView(t, input.interval),
    query: queryOf(
      input.check,
      ...(signal === "errorRate" ? ["errorRate", "errors", "requests"] : ["p95LatencyMs", "slow"]),
    ),
    reason: `${signal}: ${why}`,
  };
}

/** Observes one count signal and reads where its evidence stands. */
function observe(
  before: CountEvidenceState,
  counts: CheckCounts,
  rule: EvidenceRule,
): { state: CountEvidenceState; judgement: EvidenceJudgement; record: EvidenceRecord } {
  const state = observeCounts(before, counts, rule);
  const j = judgeEvidence(state, rule, counts);
  const record: EvidenceRecord = {
    requests: state.requests,
    errors: state.errors,
    e: Math.exp(j.cumulative.logE),
    bar: Math.exp(j.cumulative.logBar),
    changePoint: Math.exp(j.changePoint.logC),
    changePointBar: Math.exp(j.changePoint.logBar),
    go: Math.exp(j.go.logE),
    goBar: Math.exp(j.go.logBar),
    withinLimit: j.withinLimit,
    aboveGo: Math.exp(j.aboveGo.logE),
    aboveGoBar: Math.exp(j.aboveGo.logBar),
    errorsToRevertIn100: errorsThatWouldRevert(state, rule, 100),
    wouldRevert: explainRevertCount(state, rule, 100),
    check: { requests: counts.requests, errors: counts.errors },
  };
  return { state, judgement: j, record };
}

function ruleFor(
  input: SequentialInput,
  limits: { rollbackAbove: number; goAtMost: number },
  observed: number,
  signal: "errorRate" | "p95LatencyMs",
) {
  const settings = input.thresholds[signal].evidence;
  return evidenceRule(limits, settings, trafficLevel(input.expectedPerCheck, observed));
}

function errorLimits(input: SequentialInput) {
  const { rollbackAbove, goAtMost } = input.thresholds.errorRate;
  if (rollbackAbove === undefined)
    throw new RangeError("sequential analysis needs thresholds.errorRate.rollbackAbove");
  return { rollbackAbove, goAtMost };
}

function judgeErrorEvidence(input: SequentialInput, counts: Counts, state: SequentialState) {
  if (typeof counts.canary === "string")
    return { verdict: unjudged(input, "errorRate", counts.canary), state };
  const limits = errorLimits(input);
  const rule = ruleFor(input, limits, counts.canary.requests, "errorRate");
  const seen = observe(state.errorRate, counts.canary, rule);
  const relative = relativePart(input, counts, state);
  const verdict = countVerdict(seen.judgement, relative.verdict);
  const rate = seen.state.requests > 0 ? seen.state.errors / seen.state.requests : null;
  const signal: SignalVerdict = {
    ...unjudged(input, "errorRate", ""),
    verdict,
    breach: verdict === "NO-GO",
    value: rate,
    sampleSize: seen.state.requests,
    reason: `errorRate: ${describe(seen.record, verdict, limits)}${relative.reason}`,
    evidence: seen.record,
    ...(relative.detail ? { detail: relative.detail } : {}),
  };
  return { verdict: signal, state: { ...state, errorRate: seen.state, relative: relative.state } };
}

function relativePart(input: SequentialInput, counts: Counts, state: SequentialState) {
  const compare = input.thresholds.errorRate.compareToStable;
  if (!compare || typeof counts.canary === "string")
    return { verdict: "within" as RelativeVerdict, reason: "", state: state.relative };
  const rule = relativeRule(compare);
  const before = state.relative ?? initialRelativeEvidence(rule);
  const after = observeRelative(before, counts.canary, counts.stable, rule);
  const verdict = judgeRelative(after, rule, counts.stable === null);
  const reason =
    verdict === "worse"
      ? `; worse than stable by more than ${compare.worseByFactor}x (sequential, e-value past ${+(1 / (1 - compare.confidence)).toFixed(0)})`
      : verdict === "inconclusive"
        ? "; stable counts missing for the comparison with stable"
        : "";
  const detail = { relativeChecks: after.checks, relative: verdict };
  return { verdict, reason, state: after, detail };
}

/**
 * NO-GO on a revert (absolute, or relative "worse"); INCONCLUSIVE when the relative part lacked
 * data; OBSERVE while the evidence says the canary is above the GO level (the step holds at its
 * weight); else GO: no evidence of harm. Whether the evidence also says "within the limit" travels
 * in the record (`withinLimit`) for the promotion gate; a point estimate above the GO level is
 * noise at early-step traffic and holds nothing on its own: only the evidence does.
 */
function countVerdict(j: EvidenceJudgement, relative: RelativeVerdict): Verdict {
  if (j.revert || relative === "worse") return "NO-GO";
  if (relative === "inconclusive") return "INCONCLUSIVE";
  return j.aboveGoLevel ? "OBSERVE" : "GO";
}

function describe(
  r: EvidenceRecord,
  verdict: Verdict,
  limits: { rollbackAbove: number; goAtMost: number },
): string {
  const counts = `${r.errors}/${r.requests} since the canary took traffic (${r.requests > 0 ? pct(r.errors / r.requests) : "no requests"}; this check ${r.check.errors}/${r.check.requests})`;
  const evidence = `evidence E ${sci(r.e)} / bar ${sci(r.bar)}, change-point ${sci(r.changePoint)} / ${sci(r.changePointBar)}`;
  if (verdict === "NO-GO")
    return `${counts}: strong evidence above ${pct(limits.rollbackAbove)}; ${evidence}`;
  if (verdict === "GO" && r.withinLimit)
    return `${counts}: within ${pct(limits.rollbackAbove)} by evidence (GO gate ${sci(r.go)} >= ${sci(r.goBar)})`;
  if (verdict === "GO")
    return `${counts}: no evidence of harm; GO gate ${sci(r.go)} of ${sci(r.goBar)} (needed before promotion); ${evidence}; ${r.wouldRevert}`;
  const above =
    r.aboveGo >= r.aboveGoBar
      ? `above ${pct(limits.goAtMost)} by evidence (${sci(r.aboveGo)} >= ${sci(r.aboveGoBar)}), holding at this weight; `
      : "";
  return `${counts}: holding; ${above}GO gate ${sci(r.go)} of ${sci(r.goBar)}; ${evidence}; ${r.wouldRevert}`;
}

export function sci(x: number): string {
  if (x === 0) return "0";
  if (!Number.isFinite(x)) return String(x);
  return x >= 0.01 && x < 1e5 ? `${+x.toPrecision(3)}` : x.toExponential(2);
}

/**
 * P95 by the share of slow requests when the check carries it; else the value rule (old traces).
 * Once slow counts are being judged, a check without one holds: missing data never passes the gate.
 */
function judgeSlowShare(input: SequentialInput, counts: Counts, state: SequentialState) {
  const t = input.thresholds.p95LatencyMs;
  const value = input.check.canary.p95LatencyMs;
  if (counts.slow === null && state.slow.requests > 0 && t.rollbackAbove !== undefined) {
    const why = `no slow-request count this check; holding on ${state.slow.errors}/${state.slow.requests} slow so far`;
    return { verdict: { ...unjudged(input, "p95LatencyMs", why), verdict: "OBSERVE" as Verdict }, state };
  }
  if (counts.slow === null || t.rollbackAbove === undefined) {
    const verdict = judgeLevel({
      signal: "p95LatencyMs",
      threshold: t,
      interval: input.interval,
      at: input.check.at,
      value,
      counter: input.latency.counter,
      since: input.latency.since,
      noTraffic: input.check.canary.requests === 0,
      query: queryOf(input.check, "p95LatencyMs"),
    });
    return { verdict, state };
  }
  const rule = ruleFor(input, SLOW_SHARE_LIMITS, counts.slow.requests, "p95LatencyMs");
  const seen = observe(state.slow, counts.slow, rule);
  const valueGo = !isNumber(value) || value <= t.goAtMost;
  const verdict: Verdict = seen.judgement.revert
    ? "NO-GO"
    : valueGo && !seen.judgement.aboveGoLevel
      ? "GO"
      : "OBSERVE";
  const share = seen.state.requests > 0 ? pct(seen.state.errors / seen.state.requests) : "no requests";
  const reason = `p95LatencyMs: ${seen.state.errors}/${seen.state.requests} requests slower than ${t.rollbackAbove} ms (${share}; P95 above the limit means > 5%)${
    verdict === "NO-GO"
      ? `: strong evidence, E ${sci(seen.record.e)} / ${sci(seen.record.bar)}, change-point ${sci(seen.record.changePoint)} / ${sci(seen.record.changePointBar)}`
      : verdict === "GO"
        ? seen.record.withinLimit
          ? ""
          : `; no evidence of harm; GO gate ${sci(seen.record.go)} of ${sci(seen.record.goBar)} (needed before promotion)`
        : `; holding: ${seen.judgement.aboveGoLevel ? `above ${pct(SLOW_SHARE_LIMITS.goAtMost)} slow by evidence (${sci(seen.record.aboveGo)} >= ${sci(seen.record.aboveGoBar)}), ` : ""}GO gate ${sci(seen.record.go)} of ${sci(seen.record.goBar)}${valueGo ? "" : `, P95 ${value} ms above the GO gate ${t.goAtMost} ms`}`
  }`;
  return {
    verdict: {
      ...unjudged(input, "p95LatencyMs", ""),
      verdict,
      breach: verdict === "NO-GO",
      value: isNumber(value) ? value : null,
      sampleSize: seen.state.requests,
      reason,
      evidence: seen.record,
    },
    state: { ...state, slow: seen.state },
  };
}
