import type { StageConfig } from "../src/config";
import { checkRandom, poissonQuantile } from "./draws";
import { type RuleRun, runnerPathRule, type StepAction } from "./runner-path";
import { binomialDraw } from "./simulate";
import { steadyStage } from "./steady-stage";

/**
 * A healthy canary (at the stage's GO level) under a traffic pattern, judged check by check through
 * the runner's decision path (`decideCheck`, via `runnerPathRule`) on a one-step stage: with the
 * pattern's mean declared (`expectedRequestsPerSecond`, one rule for the whole run) or undeclared
 * (each check judged at its own traffic level, as the runner does). Poisson requests per check
 * around a mean that is constant, diurnal (a day's cycle over the horizon, 5 to 100) or bursty
 * (alternating ~100 and ~1); every check's draws come from `checkRandom(seed, run, check)`.
 */

export const PATTERN_CHECKS = 60;

export interface TrafficPattern {
  name: string;
  /** Mean requests of check t (1-based). */
  mean: (t: number) => number;
  /** What `expectedRequestsPerSecond` would give per check (the pattern's average). */
  declared: number;
}

export const PATTERNS: TrafficPattern[] = [
  { name: "constant 50", mean: () => 50, declared: 50 },
  {
    name: "diurnal 5–100",
    mean: (t) => 52.5 - 47.5 * Math.cos((2 * Math.PI * t) / PATTERN_CHECKS),
    declared: 52.5,
  },
  { name: "bursty ~100 / ~1", mean: (t) => (t % 2 === 0 ? 100 : 1), declared: 50.5 },
];

/** The counts of check t of a run: requests by inversion of one uniform, then the errors. */
export function patternCounts(pattern: TrafficPattern, rate: number, seed: number, run: number, t: number) {
  const random = checkRandom(seed, run, t);
  const requests = poissonQuantile(pattern.mean(t), random());
  return { requests, errors: binomialDraw(requests, rate, random) };
}

/** The stage the pattern is judged on: one step, the pattern's mean declared or not. */
export function patternStage(cfg: StageConfig, pattern: TrafficPattern, declared: boolean): StageConfig {
  return steadyStage(cfg, { requestsPerCheck: pattern.declared, declared, checks: PATTERN_CHECKS });
}

export interface PatternRunOptions {
  pattern: TrafficPattern;
  declared: boolean;
  seed: number;
  run: number;
  /** The canary's error rate (default: the stage's GO level, a healthy canary). */
  rate?: number;
  /** Every check's action, when given. */
  trace?: { at: number; action: StepAction }[];
}

/** One run: the check (1-based) the runner reverts at, or 0 when it never does. */
export function patternRevertCheck(cfg: StageConfig, start: () => RuleRun, o: PatternRunOptions): number {
  const interval = cfg.rollout.checkIntervalSeconds;
  const rate = o.rate ?? cfg.thresholds.errorRate.goAtMost;
  const r = start();
  for (let t = 1; t <= PATTERN_CHECKS; t++) {
    const at = t * interval;
    const action = r.feed(at, patternCounts(o.pattern, rate, o.seed, o.run, t));
    o.trace?.push({ at, action });
    if (action === "revert") return t;
  }
  return 0;
}

/** Runs of a healthy canary reverted within the horizon, of `runs`. */
export function patternFalseReverts(
  cfg: StageConfig,
  pattern: TrafficPattern,
  options: { declared: boolean; runs: number; seed: number },
): number {
  const rule = runnerPathRule("current", patternStage(cfg, pattern, options.declared));
  let reverted = 0;
  for (let run = 0; run < options.runs; run++)
    if (
      patternRevertCheck(cfg, rule.start, { pattern, declared: options.declared, seed: options.seed, run }) >
      0
    )
      reverted++;
  return reverted;
}
