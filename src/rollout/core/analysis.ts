import type { ErrorRateThreshold, SignalThreshold, StageConfig } from "../../config";
import { consecutiveChecks } from "../../signals/rules";
import { maxSampleAge } from "./plan";
import type { SideSample } from "./sample";
import { wilsonLower, worseThanStable } from "./statistics";

/**
 * One check's judgement, per signal and overall. Pure: the caller passes the check and the
 * previous state and gets the next state back.
 *
 * - A signal breaches when it is above `rollbackAbove`; NO-GO only after `consecutiveChecks`
 *   breaches in a row. GO only within `goAtMost`. Anything between is OBSERVE.
 * - Error rate pools checks into evidence blocks of at least `minRequests` canary requests and
 *   judges a block by the one-sided Wilson lower bound of its rate (and, optionally, by the
 *   relative test against stable). Its consecutive counter counts judged blocks.
 * - Missing (null), stale or errored data is INCONCLUSIVE, never a pass.
 */

export type Verdict = "GO" | "OBSERVE" | "NO-GO" | "INCONCLUSIVE";
export type SignalName = "errorRate" | "p95LatencyMs" | "memory" | "cpu" | "health";
export const SIGNAL_NAMES: SignalName[] = ["errorRate", "p95LatencyMs", "memory", "cpu", "health"];

/** One check's measurements, as the runner samples them or a backtest trace records them. */
export interface Check {
  /** Seconds since the rollout started. */
  at: number;
  canary: SideSample;
  stable: SideSample;
  /** Rendered queries by signal (for the decision record). */
  queries?: Record<string, string>;
  /** Errors from the metrics backend: the check is inconclusive. */
  errors?: string[];
}

/** Error-rate evidence pooled over consecutive checks until it is big enough to judge. */
export interface ErrorBlock {
  checks: number;
  requests: number;
  errors: number;
  /** Stable counts over the same checks; null once any check lacked them. */
  stableRequests: number | null;
  stableErrors: number | null;
}

export interface AnalysisState {
  /** Consecutive breaches per signal (judged blocks for error rate). */
  counters: Record<SignalName, number>;
  /** Overall INCONCLUSIVE checks in a row. */
  inconclusiveStreak: number;
  block: ErrorBlock;
}

export interface SignalThresholdView {
  rollbackAbove?: number;
  goAtMost?: number;
  /** Breaches in a row that mean NO-GO. */
  consecutive: number;
  /** Error rate only. */
  minRequests?: number;
  confidence?: number;
  compareToStable?: { worseByFactor: number; confidence: number };
}

export interface SignalVerdict {
  signal: SignalName;
  verdict: Verdict;
  /** Breaches in a row including this check (judged blocks for error rate). */
  counter: number;
  breach: boolean;
  /** The measured canary value (error rate of the judged or pending block). */
  value: number | null;
  /** Canary requests behind the value. */
  sampleSize: number | null;
  threshold: SignalThresholdView;
  query?: string;
  reason: string;
  /** Statistics behind an error-rate judgement, stable's value, block size. */
  detail?: Record<string, number | string | boolean | null>;
}

export interface CheckAnalysis {
  verdict: Verdict;
  signals: SignalVerdict[];
  /** One line per signal that is not GO, plus backend errors. */
  reasons: string[];
  state: AnalysisState;
}

const EMPTY_BLOCK: ErrorBlock = { checks: 0, requests: 0, errors: 0, stableRequests: 0, stableErrors: 0 };

export function initialAnalysisState(): AnalysisState {
  return {
    counters: { errorRate: 0, p95LatencyMs: 0, memory: 0, cpu: 0, health: 0 },
    inconclusiveStreak: 0,
    block: { ...EMPTY_BLOCK },
  };
}

const RANK: Record<Verdict, number> = { GO: 0, OBSERVE: 1, INCONCLUSIVE: 2, "NO-GO": 3 };

/** The worst of several verdicts: NO-GO > INCONCLUSIVE > OBSERVE > GO. */
export function worst(verdicts: Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((a, b) => (RANK[b] > RANK[a] ? b : a), "GO");
}

function isNumber(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function pct(value: number): string {
  return `${+(value * 100).toFixed(3)}%`;
}

function format(signal: SignalName, value: number): string {
  if (signal === "p95LatencyMs") return `${+value.toFixed(1)} ms`;
  if (signal === "health") return `${value}`;
  return pct(value);
}

function queryOf(check: Check, ...keys: string[]): string | undefined {
  const found = keys.map((key) => check.queries?.[key]).filter((q): q is string => typeof q === "string");
  return found.length > 0 ? found.join("\n") : undefined;
}

function staleness(side: SideSample, maxAge: number): string | undefined {
  const age = side.sampleAgeSeconds;
  return isNumber(age) && age > maxAge ? `stale data (${Math.round(age)} s old > ${maxAge} s)` : undefined;
}

/** A level signal (latency, memory, CPU): breach above the limit, GO within the gate. */
function judgeLevel(
  signal: "p95LatencyMs" | "memory" | "cpu",
  threshold: SignalThreshold,
  interval: number,
  value: number | null | undefined,
  counter: number,
  context: { stale?: string; noTraffic: boolean; query?: string },
): SignalVerdict {
  const view: SignalThresholdView = {
    rollbackAbove: threshold.rollbackAbove,
    goAtMost: threshold.goAtMost,
    consecutive: threshold.rollbackAbove === undefined ? 0 : consecutiveChecks(threshold, interval),
  };
  const base = { signal, threshold: view, query: context.query, sampleSize: null, breach: false };
  if (context.stale)
    return { ...base, value: null, verdict: "INCONCLUSIVE", counter, reason: `${signal}: ${context.stale}` };
  if (signal === "p95LatencyMs" && context.noTraffic) {
    return {
      ...base,
      value: null,
      verdict: "OBSERVE",
      counter,
      reason: `${signal}: waiting for evidence: no canary requests`,
    };
  }
  if (!isNumber(value))
    return { ...base, value: null, verdict: "INCONCLUSIVE", counter, reason: `${signal}: no data` };
  if (threshold.rollbackAbove !== undefined && value > threshold.rollbackAbove) {
    const next = counter + 1;
    const verdict: Verdict = next >= view.consecutive ? "NO-GO" : "OBSERVE";
    return {
      ...base,
      value,
      breach: true,
      verdict,
      counter: next,
      reason: `${signal}: ${format(signal, value)} > ${format(signal, threshold.rollbackAbove)} (${next}/${view.consecutive} in a row)`,
    };
  }
  if (value <= threshold.goAtMost) {
    return {
      ...base,
      value,
      verdict: "GO",
      counter: 0,
      reason: `${signal}: ${format(signal, value)} <= ${format(signal, threshold.goAtMost)}`,
    };
  }
  return {
    ...base,
    value,
    verdict: "OBSERVE",
    counter: 0,
    reason: `${signal}: ${format(signal, value)} above the GO gate ${format(signal, threshold.goAtMost)}`,
  };
}

interface ErrorRateResult {
  verdict: SignalVerdict;
  block: ErrorBlock;
}

/** Error rate by evidence blocks (see the module comment and docs/rollout.md). */
function judgeErrorRate(
  threshold: ErrorRateThreshold,
  interval: number,
  check: Check,
  block: ErrorBlock,
  counter: number,
  stale: string | undefined,
): ErrorRateResult {
  const view: SignalThresholdView = {
    rollbackAbove: threshold.rollbackAbove,
    goAtMost: threshold.goAtMost,
    consecutive: threshold.rollbackAbove === undefined ? 0 : consecutiveChecks(threshold, interval),
    minRequests: threshold.minRequests,
    confidence: threshold.confidence,
    compareToStable: threshold.compareToStable,
  };
  const query = queryOf(check, "errorRate", "errors", "requests");
  const base = { signal: "errorRate" as const, threshold: view, query, breach: false };
  const { requests, errors } = check.canary;
  const inconclusive = (why: string): ErrorRateResult => ({
    block,
    verdict: {
      ...base,
      value: null,
      sampleSize: null,
      verdict: "INCONCLUSIVE",
      counter,
      reason: `errorRate: ${why}`,
    },
  });
  if (stale) return inconclusive(stale);
  if (!isNumber(requests) || !isNumber(errors) || errors < 0 || requests < 0 || errors > requests) {
    return inconclusive(
      isNumber(requests) && isNumber(errors) ? `inconsistent counts ${errors}/${requests}` : "no data",
    );
  }
  const stableOk =
    isNumber(check.stable.requests) &&
    isNumber(check.stable.errors) &&
    check.stable.errors >= 0 &&
    check.stable.errors <= check.stable.requests;
  const pooled: ErrorBlock = {
    checks: block.checks + 1,
    requests: block.requests + requests,
    errors: block.errors + errors,
    stableRequests:
      stableOk && block.stableRequests !== null
        ? block.stableRequests + (check.stable.requests as number)
        : null,
    stableErrors:
      stableOk && block.stableErrors !== null ? block.stableErrors + (check.stable.errors as number) : null,
  };
  const rate = pooled.requests > 0 ? pooled.errors / pooled.requests : null;
  if (pooled.requests < threshold.minRequests) {
    return {
      block: pooled,
      verdict: {
        ...base,
        value: rate,
        sampleSize: pooled.requests,
        verdict: "OBSERVE",
        counter,
        reason: `errorRate: waiting for evidence: ${pooled.requests}/${threshold.minRequests} requests (${pooled.checks} check${pooled.checks === 1 ? "" : "s"} pooled)`,
        detail: { blockChecks: pooled.checks, blockErrors: pooled.errors },
      },
    };
  }
  // A judged block: the next check starts a new one.
  const judgedRate = pooled.errors / pooled.requests;
  const lower = wilsonLower(pooled.errors, pooled.requests, threshold.confidence);
  const detail: Record<string, number | string | boolean | null> = {
    blockChecks: pooled.checks,
    blockErrors: pooled.errors,
    wilsonLower: lower,
  };
  const reasons: string[] = [];
  let breach = false;
  if (threshold.rollbackAbove !== undefined && lower > threshold.rollbackAbove) {
    breach = true;
    reasons.push(
      `${pct(judgedRate)} (${pooled.errors}/${pooled.requests}); ${pct(threshold.confidence)}-confidence lower bound ${pct(lower)} > ${pct(threshold.rollbackAbove)}`,
    );
  }
  if (threshold.compareToStable) {
    const { worseByFactor, confidence } = threshold.compareToStable;
    if (pooled.stableRequests === null || pooled.stableErrors === null) {
      detail.relative = "stable counts missing";
      return {
        block: { ...EMPTY_BLOCK },
        verdict: {
          ...base,
          value: judgedRate,
          sampleSize: pooled.requests,
          verdict: breach ? "OBSERVE" : "INCONCLUSIVE",
          breach,
          counter: breach ? counter + 1 : counter,
          reason: `errorRate: stable counts missing for the comparison with stable${breach ? `; ${reasons.join("; ")}` : ""}`,
          detail,
        },
      };
    }
    const test = worseThanStable(
      { requests: pooled.requests, errors: pooled.errors },
      { requests: pooled.stableRequests, errors: pooled.stableErrors },
      worseByFactor,
      confidence,
    );
    detail.stableRate = pooled.stableRequests > 0 ? pooled.stableErrors / pooled.stableRequests : null;
    detail.stableRequests = pooled.stableRequests;
    detail.relativePValue = test.pValue;
    if (test.skipped) detail.relative = test.skipped;
    if (test.worse) {
      breach = true;
      reasons.push(
        `worse than stable by more than ${worseByFactor}x (${pooled.errors}/${pooled.requests} vs ${pooled.stableErrors}/${pooled.stableRequests}, p = ${test.pValue.toPrecision(3)} <= ${+(1 - confidence).toFixed(4)})`,
      );
    }
  }
  const next: ErrorBlock = { ...EMPTY_BLOCK };
  if (breach) {
    const n = counter + 1;
    const verdict: Verdict = n >= view.consecutive ? "NO-GO" : "OBSERVE";
    return {
      block: next,
      verdict: {
        ...base,
        value: judgedRate,
        sampleSize: pooled.requests,
        verdict,
        breach,
        counter: n,
        reason: `errorRate: ${reasons.join("; ")} (${n}/${view.consecutive} blocks in a row)`,
        detail,
      },
    };
  }
  const go = judgedRate <= threshold.goAtMost;
  return {
    block: next,
    verdict: {
      ...base,
      value: judgedRate,
      sampleSize: pooled.requests,
      verdict: go ? "GO" : "OBSERVE",
      counter: 0,
      reason: go
        ? `errorRate: ${pct(judgedRate)} (${pooled.errors}/${pooled.requests}) <= ${pct(threshold.goAtMost)}`
        : `errorRate: ${pct(judgedRate)} (${pooled.errors}/${pooled.requests}) above the GO gate ${pct(threshold.goAtMost)}, lower bound ${pct(lower)} not above the limit`,
      detail,
    },
  };
}

function judgeHealth(
  limit: number,
  failures: number | null | undefined,
  counter: number,
  stale: string | undefined,
  query?: string,
): SignalVerdict {
  const base = {
    signal: "health" as const,
    threshold: { rollbackAbove: limit - 1, goAtMost: 0, consecutive: 1 },
    sampleSize: null,
    query,
  };
  if (stale)
    return {
      ...base,
      value: null,
      breach: false,
      verdict: "INCONCLUSIVE",
      counter,
      reason: `health: ${stale}`,
    };
  if (!isNumber(failures))
    return {
      ...base,
      value: null,
      breach: false,
      verdict: "INCONCLUSIVE",
      counter,
      reason: "health: no data",
    };
  if (failures >= limit) {
    return {
      ...base,
      value: failures,
      breach: true,
      verdict: "NO-GO",
      counter: counter + 1,
      reason: `health: ${failures} failed checks in a row >= ${limit}`,
    };
  }
  if (failures > 0) {
    return {
      ...base,
      value: failures,
      breach: false,
      verdict: "OBSERVE",
      counter: 0,
      reason: `health: ${failures} failed checks in a row (limit ${limit})`,
    };
  }
  return { ...base, value: 0, breach: false, verdict: "GO", counter: 0, reason: "health: passing" };
}

/** Judges one check. */
export function analyseCheck(cfg: StageConfig, state: AnalysisState, check: Check): CheckAnalysis {
  const interval = cfg.rollout.checkIntervalSeconds;
  const t = cfg.thresholds;
  const stale = staleness(check.canary, maxSampleAge(cfg));
  const noTraffic = check.canary.requests === 0;
  const signals: SignalVerdict[] = [];

  const error = judgeErrorRate(t.errorRate, interval, check, state.block, state.counters.errorRate, stale);
  signals.push(error.verdict);
  signals.push(
    judgeLevel(
      "p95LatencyMs",
      t.p95LatencyMs,
      interval,
      check.canary.p95LatencyMs,
      state.counters.p95LatencyMs,
      {
        stale,
        noTraffic,
        query: queryOf(check, "p95LatencyMs"),
      },
    ),
  );
  signals.push(
    judgeLevel("memory", t.memory, interval, check.canary.memory, state.counters.memory, {
      stale,
      noTraffic,
      query: queryOf(check, "memory"),
    }),
  );
  if (t.cpu) {
    signals.push(
      judgeLevel("cpu", t.cpu, interval, check.canary.cpu, state.counters.cpu, {
        stale,
        noTraffic,
        query: queryOf(check, "cpu"),
      }),
    );
  }
  // Health is judged only where the platform reports it (undefined = not reported at all).
  if (t.health && check.canary.healthFailures !== undefined) {
    signals.push(
      judgeHealth(
        t.health.rollbackAfterFailures,
        check.canary.healthFailures,
        state.counters.health,
        stale,
        queryOf(check, "health"),
      ),
    );
  }

  const backendErrors = check.errors ?? [];
  let verdict = worst(signals.map((s) => s.verdict));
  if (backendErrors.length > 0 && verdict !== "NO-GO") verdict = "INCONCLUSIVE";
  const counters = { ...state.counters };
  for (const s of signals) counters[s.signal] = s.counter;
  const reasons = [
    ...backendErrors.map((e) => `metrics error: ${e}`),
    ...signals.filter((s) => s.verdict !== "GO").map((s) => s.reason),
  ];
  return {
    verdict,
    signals,
    reasons,
    state: {
      counters,
      inconclusiveStreak: verdict === "INCONCLUSIVE" ? state.inconclusiveStreak + 1 : 0,
      block: error.block,
    },
  };
}
