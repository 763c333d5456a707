import type { StageConfig, Thresholds } from "../../../config";
import { maxSampleAge } from "../plan";
import { refuseOutOfDomain } from "../sample/domain";
import { maxCountPerCheck } from "../sample/plausible-counts";
import type { SideSample } from "../sample/sample";
import { oneLine } from "../text/sanitise";
import { EMPTY_BLOCK, judgeErrorBlocks } from "./blocks";
import { withLedgerCounts } from "./counted-check";
import { evidenceRule, SLOW_SHARE_LIMITS, trafficLevel } from "./evidence-rules";
import { judgeHealth, judgeLevel } from "./levels";
import { plannedChecks, withPlanHorizon } from "./plan-horizon";
import { initialSequentialState, judgeSequential } from "./sequential";
import {
  type AnalysisState,
  type Check,
  type CheckAnalysis,
  isNumber,
  queryOf,
  type SignalName,
  type SignalVerdict,
  worst,
} from "./types";

export * from "./types";

/**
 * One check's judgement, per signal and overall. Pure: the caller passes the check and the
 * previous state and gets the next state back.
 *
 * - `analysis: sequential` (prod and staging default): error rate, and P95 as the share of slow
 *   requests when the check carries it, by the evidence engine (analysis/sequential.ts).
 * - `analysis: consecutive`: the runbook's "N in a row" rule, error rate by evidence blocks
 *   (analysis/blocks.ts).
 * - Memory, CPU, P95 without slow counts: consecutive-check rules, durations by time
 *   (analysis/levels.ts). GO only within `goAtMost`; anything between is OBSERVE.
 * - Missing (null), stale or errored data is INCONCLUSIVE, never a pass.
 */

/** What the analysis needs from a stage, as the plan carries it. */
export interface AnalysisContext {
  thresholds: Thresholds;
  analysis: "sequential" | "consecutive";
  checkIntervalSeconds: number;
  maxSampleAgeSeconds: number;
  /** The step's expected canary requests per check (rate × weight × interval), when declared. */
  expectedRequestsPerCheck?: number;
  /** The most one check may count (sample/plausible-counts.ts); more is no data. */
  maxCountPerCheck?: number;
}

/** The analysis context of a stage at a canary weight (percent). */
export function analysisContext(cfg: StageConfig, weight?: number): AnalysisContext {
  const r = cfg.rollout;
  const rate = r.expectedRequestsPerSecond;
  return {
    thresholds: withPlanHorizon(cfg.thresholds, plannedChecks(r)),
    analysis: r.analysis,
    checkIntervalSeconds: r.checkIntervalSeconds,
    maxSampleAgeSeconds: maxSampleAge(cfg),
    maxCountPerCheck: maxCountPerCheck(r),
    ...(rate !== undefined && weight !== undefined
      ? { expectedRequestsPerCheck: (rate * weight * r.checkIntervalSeconds) / 100 }
      : {}),
  };
}

export function initialAnalysisState(): AnalysisState {
  return {
    counters: { errorRate: 0, p95LatencyMs: 0, memory: 0, cpu: 0, health: 0 },
    inconclusiveStreak: 0,
    block: { ...EMPTY_BLOCK },
  };
}

function staleness(side: SideSample, maxAge: number): string | undefined {
  const age = side.sampleAgeSeconds;
  return isNumber(age) && age > maxAge ? `stale data (${Math.round(age)} s old > ${maxAge} s)` : undefined;
}

type Judged = SignalVerdict & { since?: number };

/** Error rate and P95 by the configured analysis. */
function judgeCounts(ctx: AnalysisContext, state: AnalysisState, check: Check, stale: string | undefined) {
  const interval = ctx.checkIntervalSeconds;
  const since = state.breachSince ?? {};
  if (ctx.analysis === "sequential") {
    const result = judgeSequential({
      thresholds: ctx.thresholds,
      interval,
      expectedPerCheck: ctx.expectedRequestsPerCheck,
      maxCountPerCheck: ctx.maxCountPerCheck,
      check,
      state: state.evidence ?? initialSequentialState(ctx.thresholds),
      stale,
      latency: { counter: state.counters.p95LatencyMs, since: since.p95LatencyMs },
    });
    return {
      signals: [result.errorRate, result.p95] as Judged[],
      block: state.block,
      evidence: result.state,
    };
  }
  const counted = withLedgerCounts(check, state.ledger);
  const error = judgeErrorBlocks({
    threshold: ctx.thresholds.errorRate,
    interval,
    check: counted.check,
    block: state.block,
    counter: state.counters.errorRate,
    since: since.errorRate,
    stale,
  });
  const p95 = levelOf(ctx, state, counted.check, stale, "p95LatencyMs");
  return {
    signals: [{ ...error.verdict, since: error.since }, p95],
    block: error.block,
    evidence: state.evidence,
    ...(counted.ledger === undefined ? {} : { ledger: counted.ledger }),
  };
}

function levelOf(
  ctx: AnalysisContext,
  state: AnalysisState,
  check: Check,
  stale: string | undefined,
  signal: "p95LatencyMs" | "memory" | "cpu",
): Judged {
  const threshold = signal === "cpu" ? ctx.thresholds.cpu : ctx.thresholds[signal];
  if (!threshold) throw new RangeError(`no ${signal} threshold`);
  return judgeLevel({
    signal,
    threshold,
    interval: ctx.checkIntervalSeconds,
    at: check.at,
    value: check.canary[signal],
    counter: state.counters[signal],
    since: state.breachSince?.[signal],
    stale,
    noTraffic: check.canary.requests === 0,
    query: queryOf(check, signal),
  });
}

/** Judges one check. Takes the stage config (judged at `weight`) or an analysis context. */
export function analyseCheck(
  input: StageConfig | AnalysisContext,
  state: AnalysisState,
  measured: Check,
  weight?: number,
): CheckAnalysis {
  const ctx = "rollout" in input ? analysisContext(input, weight) : input;
  // Counts no service could serve are no data, whoever measured them (runner, backtest, replay).
  const check = refuseOutOfDomain(measured, ctx.maxCountPerCheck);
  const t = ctx.thresholds;
  const stale = staleness(check.canary, ctx.maxSampleAgeSeconds);
  const counted = judgeCounts(ctx, state, check, stale);
  const signals: Judged[] = [...counted.signals, levelOf(ctx, state, check, stale, "memory")];
  if (t.cpu) signals.push(levelOf(ctx, state, check, stale, "cpu"));
  // Health is judged only where the platform reports it (undefined = not reported at all).
  if (t.health && check.canary.healthFailures !== undefined) {
    const health = judgeHealth(
      t.health.rollbackAfterFailures,
      check.canary.healthFailures,
      state.counters.health,
      stale,
      queryOf(check, "health"),
    );
    signals.push(health);
  }
  return summarise(state, check, signals, counted);
}

function summarise(
  state: AnalysisState,
  check: Check,
  judged: Judged[],
  next: Pick<AnalysisState, "block" | "evidence" | "ledger">,
): CheckAnalysis {
  const backendErrors = check.errors ?? [];
  let verdict = worst(judged.map((s) => s.verdict));
  if (backendErrors.length > 0 && verdict !== "NO-GO") verdict = "INCONCLUSIVE";
  const counters = { ...state.counters };
  const breachSince: Partial<Record<SignalName, number>> = {};
  const signals = judged.map(({ since, ...s }) => {
    counters[s.signal] = s.counter;
    if (s.counter > 0 && since !== undefined) breachSince[s.signal] = since;
    return s;
  });
  const reasons = [
    // A source's error quotes its server (an HTML body, escapes): one plain line each.
    ...backendErrors.map((e) => `metrics error: ${oneLine(e)}`),
    ...signals.filter((s) => s.verdict !== "GO").map((s) => s.reason),
  ];
  return {
    verdict,
    signals,
    reasons,
    state: {
      counters,
      inconclusiveStreak: verdict === "INCONCLUSIVE" ? state.inconclusiveStreak + 1 : 0,
      block: next.block,
      ...(Object.keys(breachSince).length > 0 ? { breachSince } : {}),
      ...(next.evidence ? { evidence: next.evidence } : {}),
      ...(next.ledger === undefined ? {} : { ledger: next.ledger }),
    },
  };
}

/**
 * Derives (and caches) the evidence rules of every step's expected traffic up front, so no check
 * waits on a change-point calibration (up to ~2 s each) when it matters most: the first check at
 * a new weight. A no-op without `expectedRequestsPerSecond` or under `analysis: consecutive`.
 */
export function warmAnalysis(cfg: StageConfig): void {
  if (cfg.rollout.analysis !== "sequential" || cfg.rollout.expectedRequestsPerSecond === undefined) return;
  const { errorRate, p95LatencyMs } = analysisContext(cfg).thresholds;
  for (const weight of cfg.rollout.steps) {
    const perCheck = analysisContext(cfg, weight).expectedRequestsPerCheck ?? 1;
    const level = trafficLevel(perCheck, 0);
    if (errorRate.rollbackAbove !== undefined)
      evidenceRule(
        { rollbackAbove: errorRate.rollbackAbove, goAtMost: errorRate.goAtMost },
        errorRate.evidence,
        level,
      );
    if (p95LatencyMs.rollbackAbove !== undefined)
      evidenceRule(SLOW_SHARE_LIMITS, p95LatencyMs.evidence, level);
  }
}
