import type { StageConfig } from "../src/config";
import { type AnalysisState, analyseCheck, initialAnalysisState } from "../src/rollout/core/analysis/check";
import { worseThanStable } from "../src/rollout/core/analysis/statistics";

/**
 * Simulations on synthetic populations: the runbook's plain rule ("error rate > limit in N
 * consecutive checks", no sample size) against this runner's analysis, on the same random
 * checks. Pure: randomness comes from a seeded generator. Used by tests and the benchmark.
 */

/** A small seeded PRNG (mulberry32), uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Binomial(n, p) draw: inversion for small means, geometric waiting times otherwise. */
export function binomialDraw(n: number, p: number, random: () => number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (n * p < 30) {
    const u = random();
    let k = 0;
    let pmf = (1 - p) ** n;
    let cdf = pmf;
    while (u > cdf && k < n) {
      pmf *= ((n - k) / (k + 1)) * (p / (1 - p));
      k++;
      cdf += pmf;
    }
    return k;
  }
  // Geometric waiting times between successes: exact, about n·p iterations.
  const logQ = Math.log1p(-p);
  let k = 0;
  let position = 0;
  for (;;) {
    position += Math.floor(Math.log(1 - random()) / logQ) + 1;
    if (position > n) return k;
    k++;
  }
}

export interface SimulationOptions {
  cfg: StageConfig;
  /** True error rate of the canary (and of stable unless `stableErrorRate`). */
  canaryErrorRate: number;
  stableErrorRate?: number;
  requestsPerCheck: number;
  /** Stable requests per check (default 19x the canary's: a 5% split). */
  stableRequestsPerCheck?: number;
  /** Checks per trial (one rollout observation window). */
  checks: number;
  trials: number;
  seed: number;
}

export interface RuleOutcome {
  /** Trials that reverted within `checks`. */
  reverts: number;
  revertRate: number;
  /** Mean and worst check number (1-based) of the revert, over reverting trials. */
  meanChecksToRevert: number | null;
  maxChecksToRevert: number | null;
}

export interface SimulationResult {
  plainRule: RuleOutcome;
  analysis: RuleOutcome;
}

function outcome(revertAt: number[], trials: number): RuleOutcome {
  return {
    reverts: revertAt.length,
    revertRate: revertAt.length / trials,
    meanChecksToRevert: revertAt.length ? revertAt.reduce((a, b) => a + b, 0) / revertAt.length : null,
    maxChecksToRevert: revertAt.length ? Math.max(...revertAt) : null,
  };
}

/**
 * The runbook's plain rule, one check at a time: the error rate (errors / requests, whatever the
 * sample size) above `rollbackAbove` extends the streak, anything else resets it; the rule fires
 * when the streak reaches `consecutive`.
 */
export function plainRuleCheck(
  cfg: StageConfig,
  streak: number,
  check: { requests: number; errors: number },
): { streak: number; fires: boolean } {
  const limit = cfg.thresholds.errorRate.rollbackAbove ?? Number.POSITIVE_INFINITY;
  const needed = cfg.thresholds.errorRate.consecutive ?? 1;
  const next = check.requests > 0 && check.errors / check.requests > limit ? streak + 1 : 0;
  return { streak: next, fires: next >= needed };
}

/** The runbook's rule on error rate alone vs the runner's error-rate analysis, same draws. */
export function simulateRules(options: SimulationOptions): SimulationResult {
  const { cfg, requestsPerCheck, checks, trials } = options;
  const random = mulberry32(options.seed);
  const stableRequests = options.stableRequestsPerCheck ?? requestsPerCheck * 19;
  const stableRate = options.stableErrorRate ?? options.canaryErrorRate;
  const plain: number[] = [];
  const ours: number[] = [];
  for (let trial = 0; trial < trials; trial++) {
    let plainStreak = 0;
    let plainAt: number | undefined;
    let oursAt: number | undefined;
    let state: AnalysisState = initialAnalysisState();
    for (let i = 0; i < checks && (plainAt === undefined || oursAt === undefined); i++) {
      const errors = binomialDraw(requestsPerCheck, options.canaryErrorRate, random);
      const stableErrors = binomialDraw(stableRequests, stableRate, random);
      if (plainAt === undefined) {
        const plainRule = plainRuleCheck(cfg, plainStreak, { requests: requestsPerCheck, errors });
        plainStreak = plainRule.streak;
        if (plainRule.fires) plainAt = i + 1;
      }
      if (oursAt === undefined) {
        const result = analyseCheck(cfg, state, {
          at: i * cfg.rollout.checkIntervalSeconds,
          canary: { requests: requestsPerCheck, errors, p95LatencyMs: 100, memory: 0.4, cpu: 0.3 },
          stable: {
            requests: stableRequests,
            errors: stableErrors,
            p95LatencyMs: 100,
            memory: 0.4,
            cpu: 0.3,
          },
        });
        state = result.state;
        if (result.signals.find((s) => s.signal === "errorRate")?.verdict === "NO-GO") oursAt = i + 1;
      }
    }
    if (plainAt !== undefined) plain.push(plainAt);
    if (oursAt !== undefined) ours.push(oursAt);
  }
  return { plainRule: outcome(plain, trials), analysis: outcome(ours, trials) };
}

export interface RelativeFalseAlarmOptions {
  /** The error rate both sides share (a healthy canary). */
  errorRate: number;
  /** The canary's own rate instead (a worse canary: the alarm rate is then the check's power). */
  canaryErrorRate?: number;
  canaryRequests: number;
  stableRequests: number;
  worseByFactor: number;
  confidence: number;
  trials: number;
  seed: number;
}

/** How often the relative check calls a healthy canary (same rate as stable) worse: its false-alarm rate per judged block. */
export function relativeFalseAlarmRate(options: RelativeFalseAlarmOptions): number {
  const random = mulberry32(options.seed);
  let alarms = 0;
  for (let i = 0; i < options.trials; i++) {
    const canary = {
      requests: options.canaryRequests,
      errors: binomialDraw(options.canaryRequests, options.canaryErrorRate ?? options.errorRate, random),
    };
    const stable = {
      requests: options.stableRequests,
      errors: binomialDraw(options.stableRequests, options.errorRate, random),
    };
    if (worseThanStable(canary, stable, options.worseByFactor, options.confidence).worse) alarms++;
  }
  return alarms / options.trials;
}
