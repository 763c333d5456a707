import type { StageConfig } from "../src/config";
import { withRule } from "../src/rollout/core/backtest/with-rule";
import { buildPlan } from "../src/rollout/core/plan";
import { checkRandom, poissonQuantile } from "./draws";
import { flaggerRule } from "./flagger-rule";
import { type CheckCounts, type RolloutRule, runnerPathRule, type StepAction } from "./runner-path";
import { binomialDraw } from "./simulate";

/**
 * The end-to-end rollout simulator: the stage's plan (steps, bakes, check interval,
 * maxStepSeconds), canary requests Poisson(weight × T per minute × interval), errors binomial at
 * the canary's rate, every rule on the same draws (draws.ts). Rare outcomes (a healthy canary
 * reverted, a bad one promoted) are also estimated by importance sampling: a defensive mixture
 * that draws a run's errors at the true rate or at a tilted one, each run weighted by the
 * likelihood ratio of what that rule observed.
 */

export const RULE_NAMES = ["current", "runbook", "flagger"] as const;
export type RuleName = (typeof RULE_NAMES)[number];
export const OUTCOMES = ["promoted", "stalled", "reverted"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export function rulesOf(cfg: StageConfig): Record<RuleName, RolloutRule> {
  return {
    current: runnerPathRule("current", cfg),
    runbook: runnerPathRule("runbook", withRule(cfg, "runbook")),
    flagger: flaggerRule(cfg),
  };
}

export interface Traffic {
  /** Requests per minute the whole service takes (the canary gets weight% of them); the day's mean when diurnal. */
  perMinute: number;
  intervalSeconds: number;
  /** Diurnal traffic: the fraction of the day at which the rollout starts (DIURNAL gives the cycle). */
  dayPhase?: number;
}

/**
 * Diurnal traffic: a day's sine around the mean, from 10% of it at night to 190% at the peak; each
 * run starts at its own time of day, so a rollout meets rising, falling, quiet or busy traffic.
 */
export const DIURNAL = { amplitude: 0.9, daySeconds: 86_400 };

/** Requests per minute at `at` seconds into the run. */
export function perMinuteAt(traffic: Traffic, at: number): number {
  if (traffic.dayPhase === undefined) return traffic.perMinute;
  const angle = 2 * Math.PI * (traffic.dayPhase + at / DIURNAL.daySeconds);
  return traffic.perMinute * (1 + DIURNAL.amplitude * Math.sin(angle));
}

/** A run's time of day at its start: its own draw (check 0, which no check uses), the same for every rule. */
export function dayPhaseOf(seed: number, run: number): number {
  return checkRandom(seed, run, 0)();
}

/** One check's canary counts at a weight, from that check's own generator. */
export function drawCheck(
  random: () => number,
  weight: number,
  traffic: Traffic,
  rate: number,
  at = 0,
): CheckCounts {
  const mean = (weight / 100) * perMinuteAt(traffic, at) * (traffic.intervalSeconds / 60);
  const requests = poissonQuantile(mean, random());
  return { requests, errors: binomialDraw(requests, rate, random) };
}

export interface RunResult {
  outcome: Outcome;
  /** Seconds from the first step to the outcome. */
  seconds: number;
  /** Weight served when the outcome came. */
  weight: number;
  /** Errors the canary served until the outcome. */
  failed: number;
  /** Log-likelihood of what the rule observed under each of `rates`. */
  logLikelihoods: number[];
}

export interface RunSpec {
  seed: number;
  run: number;
  traffic: Traffic;
  /** The rate this run's errors are drawn at. */
  drawRate: number;
  /** Rates to keep the log-likelihood of (importance weights). */
  rates: number[];
  maxChecks: number;
  /** When given, every check's time, weight and action are appended (tests compare them with the runner's). */
  trace?: { at: number; weight: number; action: StepAction }[];
}

/** One run of one rule, check by check, until it promotes, reverts or stalls. */
export function runRollout(rule: RolloutRule, spec: RunSpec): RunResult {
  const run = rule.start();
  const ll = spec.rates.map(() => 0);
  const logs = spec.rates.map((r) => [Math.log(r), Math.log1p(-r)] as const);
  let failed = 0;
  const at = (check: number) => check * spec.traffic.intervalSeconds;
  for (let check = 1; check <= spec.maxChecks; check++) {
    const weight = run.weight;
    const random = checkRandom(spec.seed, spec.run, check);
    const counts = drawCheck(random, weight, spec.traffic, spec.drawRate, at(check));
    failed += counts.errors;
    for (const [j, [logP, logQ]] of logs.entries())
      ll[j] = (ll[j] as number) + counts.errors * logP + (counts.requests - counts.errors) * logQ;
    const action = run.feed(at(check), counts);
    spec.trace?.push({ at: at(check), weight, action });
    const end = (outcome: Outcome) => ({ outcome, seconds: at(check), weight, failed, logLikelihoods: ll });
    if (action === "promote") return end("promoted");
    if (action === "revert") return end("reverted");
    if (action === "stall") return end("stalled");
  }
  return { outcome: "stalled", seconds: at(spec.maxChecks), weight: run.weight, failed, logLikelihoods: ll };
}

/** Checks after which a run is cut: every step at its limit (or ten bakes), plus one. */
export function maxChecksOf(cfg: StageConfig): number {
  const plan = buildPlan(cfg);
  const seconds = plan.steps.reduce(
    (sum, s) => sum + (s.maxSeconds ?? Math.max(10 * s.bakeSeconds, plan.checkIntervalSeconds)),
    0,
  );
  return Math.ceil(seconds / plan.checkIntervalSeconds) + 1;
}
