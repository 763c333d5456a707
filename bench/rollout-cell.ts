import type { StageConfig } from "../src/config";
import { buildPlan } from "../src/rollout/core/plan";
import {
  dayPhaseOf,
  maxChecksOf,
  OUTCOMES,
  type Outcome,
  RULE_NAMES,
  type RuleName,
  type RunResult,
  type RunSpec,
  rulesOf,
  runRollout,
} from "./rollout-sim";
import { wilson95 } from "./stats";

/**
 * One cell of the end-to-end table (T, canary error rate): every rule on the same plain runs,
 * then, when a rule's rare outcome (a healthy canary reverted, a bad one promoted) was seen fewer
 * than RARE_HITS times, an importance-sampled pass for that outcome.
 */

export interface CellSpec {
  perMinute: number;
  /** Diurnal traffic around `perMinute` (DIURNAL in rollout-sim.ts), each run at its own time of day. */
  diurnal?: boolean;
  rate: number;
  runs: number;
  rareRuns: number;
  seed: number;
}

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

export interface RareEstimate extends Interval {
  outcome: Outcome;
  runs: number;
  /** Runs of the sampled mixture that ended in the outcome. */
  hits: number;
  method: string;
}

export interface RuleStats {
  runs: number;
  outcomes: Record<Outcome, Interval & { count: number }>;
  /** Reverts by the weight they came at. */
  revertWeights: Record<string, number>;
  promoteMinutes: { median: number | null; p90: number | null };
  /** Promoted within the planned time (the bakes plus one check per step). */
  promotedWithinPlan: Interval;
  /** Promoted within twice the planned time. */
  promotedWithinTwicePlan: Interval;
  failedRequests: { mean: number; median: number };
  rare?: RareEstimate;
}

export interface CellResult {
  perMinute: number;
  diurnal: boolean;
  rate: number;
  rules: Record<RuleName, RuleStats>;
}

/** Fewer plain hits than this and the rare outcome is estimated by importance sampling too. */
export const RARE_HITS = 50;
/** Share of a rare pass's runs drawn at the true rate (bounds every weight by its inverse). */
const DEFENSIVE_SHARE = 0.2;

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function proportion(count: number, runs: number): Interval & { count: number } {
  const [low, high] = wilson95(count, runs);
  return { count, estimate: count / runs, low, high };
}

function summarise(results: RunResult[], cfg: StageConfig): RuleStats {
  const plan = buildPlan(cfg);
  const planned = plan.minimumSeconds + plan.steps.length * plan.checkIntervalSeconds;
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  const outcomes = Object.fromEntries(
    OUTCOMES.map((o) => [o, proportion(count(o), results.length)]),
  ) as RuleStats["outcomes"];
  const revertWeights: Record<string, number> = {};
  for (const r of results)
    if (r.outcome === "reverted") revertWeights[r.weight] = (revertWeights[r.weight] ?? 0) + 1;
  const promoted = results.filter((r) => r.outcome === "promoted").map((r) => r.seconds / 60);
  promoted.sort((a, b) => a - b);
  const failed = results.map((r) => r.failed).sort((a, b) => a - b);
  return {
    runs: results.length,
    outcomes,
    revertWeights,
    promoteMinutes: { median: quantile(promoted, 0.5), p90: quantile(promoted, 0.9) },
    promotedWithinPlan: proportion(promoted.filter((m) => m * 60 <= planned).length, results.length),
    promotedWithinTwicePlan: proportion(promoted.filter((m) => m * 60 <= 2 * planned).length, results.length),
    failedRequests: {
      mean: failed.reduce((a, b) => a + b, 0) / Math.max(1, failed.length),
      median: quantile(failed, 0.5) ?? 0,
    },
  };
}

/** The outcome that is rare at this rate, and the rate a rare pass tilts its draws to. */
export function rareTarget(cfg: StageConfig, rate: number): { outcome: Outcome; tilt: number } | null {
  const { rollbackAbove, goAtMost } = cfg.thresholds.errorRate;
  if (rollbackAbove === undefined) return null;
  if (rate <= goAtMost) return { outcome: "reverted", tilt: 2 * rollbackAbove };
  if (rate >= rollbackAbove) return { outcome: "promoted", tilt: goAtMost };
  return null;
}

function specOf(
  cfg: StageConfig,
  cell: CellSpec,
  seed: number,
  run: number,
  drawRate: number,
  rates: number[],
): RunSpec {
  const traffic = {
    perMinute: cell.perMinute,
    intervalSeconds: cfg.rollout.checkIntervalSeconds,
    ...(cell.diurnal ? { dayPhase: dayPhaseOf(seed, run) } : {}),
  };
  return { seed, run, traffic, drawRate, rates, maxChecks: maxChecksOf(cfg) };
}

/** The rare outcome's probability at the true rate, from a defensive mixture of it and the tilt. */
function rarePass(
  cfg: StageConfig,
  cell: CellSpec,
  names: RuleName[],
  target: { outcome: Outcome; tilt: number },
): Partial<Record<RuleName, RareEstimate>> {
  const rules = rulesOf(cfg);
  const rates = [cell.rate, target.tilt];
  const sums = names.map(() => ({ w: 0, w2: 0, hits: 0 }));
  const seed = cell.seed + 7919;
  for (let run = 0; run < cell.rareRuns; run++) {
    const drawRate = (run % 10) / 10 < DEFENSIVE_SHARE ? cell.rate : target.tilt;
    for (const [i, name] of names.entries()) {
      const result = runRollout(rules[name], specOf(cfg, cell, seed, run, drawRate, rates));
      if (result.outcome !== target.outcome) continue;
      const [atRate, atTilt] = result.logLikelihoods as [number, number];
      const w = 1 / (DEFENSIVE_SHARE + (1 - DEFENSIVE_SHARE) * Math.exp(atTilt - atRate));
      const s = sums[i] as { w: number; w2: number; hits: number };
      s.w += w;
      s.w2 += w * w;
      s.hits++;
    }
  }
  const n = cell.rareRuns;
  const out: Partial<Record<RuleName, RareEstimate>> = {};
  for (const [i, name] of names.entries()) {
    const s = sums[i] as { w: number; w2: number; hits: number };
    const mean = s.w / n;
    const half = 1.959964 * Math.sqrt(Math.max(0, s.w2 / n - mean * mean) / n);
    // No hit: the event's chance under the mixture is ≤ 3/n (95%) and each weight ≤ 1/share.
    const high = s.hits === 0 ? 3 / (n * DEFENSIVE_SHARE) : mean + half;
    const method = `importance sampling: ${n} runs, ${DEFENSIVE_SHARE * 100}% at the true rate, the rest at ${target.tilt * 100}%`;
    out[name] = {
      outcome: target.outcome,
      runs: n,
      hits: s.hits,
      estimate: mean,
      low: Math.max(0, mean - half),
      high,
      method,
    };
  }
  return out;
}

export function simulateCell(cfg: StageConfig, cell: CellSpec): CellResult {
  const rules = rulesOf(cfg);
  const perRule = Object.fromEntries(RULE_NAMES.map((n) => [n, [] as RunResult[]])) as Record<
    RuleName,
    RunResult[]
  >;
  for (let run = 0; run < cell.runs; run++)
    for (const name of RULE_NAMES)
      perRule[name].push(runRollout(rules[name], specOf(cfg, cell, cell.seed, run, cell.rate, [])));
  const stats = Object.fromEntries(RULE_NAMES.map((n) => [n, summarise(perRule[n], cfg)])) as Record<
    RuleName,
    RuleStats
  >;
  const target = rareTarget(cfg, cell.rate);
  if (target && cell.rareRuns > 0) {
    const rare = RULE_NAMES.filter((n) => stats[n].outcomes[target.outcome].count < RARE_HITS);
    if (rare.length > 0) {
      const estimates = rarePass(cfg, cell, rare, target);
      for (const name of rare) stats[name].rare = estimates[name];
    }
  }
  return { perMinute: cell.perMinute, diurnal: cell.diurnal === true, rate: cell.rate, rules: stats };
}
