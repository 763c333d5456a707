import type { StageConfig } from "../src/config";
import { simulateRules } from "./simulate";

/**
 * (c) A population of low-traffic canaries, judged both by the runbook's plain rule ("error rate
 * > 1% in 3 checks in a row") and by the runner's analysis, on the same random checks
 * (`simulateRules` from src/rollout/simulate.ts, the analysis the runner itself uses).
 */
export interface PopulationOptions {
  cfg: StageConfig;
  /** Canaries in each group (healthy, degraded). */
  canaries: number;
  baselineErrorRate: number;
  /** Degraded canaries fail this many times as often as the baseline. */
  degradedFactor: number;
  requestsPerCheck: number;
  /** Checks each canary is watched for. */
  checks: number;
  seed: number;
}

export interface RuleRates {
  /** Healthy canaries reverted. */
  falseReverts: number;
  falseRevertRate: number;
  /** Degraded canaries reverted. */
  detections: number;
  detectionRate: number;
  /** Mean checks until a degraded canary was reverted. */
  meanChecksToDetect: number | null;
}

export interface PopulationResult {
  options: Omit<PopulationOptions, "cfg">;
  plainRule: RuleRates;
  analysis: RuleRates;
}

export function judgePopulation(options: PopulationOptions): PopulationResult {
  const common = {
    cfg: options.cfg,
    requestsPerCheck: options.requestsPerCheck,
    checks: options.checks,
    trials: options.canaries,
    // Stable at the baseline in both groups: only the canary changes.
    stableErrorRate: options.baselineErrorRate,
  };
  const healthy = simulateRules({
    ...common,
    canaryErrorRate: options.baselineErrorRate,
    seed: options.seed,
  });
  const degraded = simulateRules({
    ...common,
    canaryErrorRate: options.baselineErrorRate * options.degradedFactor,
    seed: options.seed + 1,
  });
  const rates = (rule: "plainRule" | "analysis"): RuleRates => ({
    falseReverts: healthy[rule].reverts,
    falseRevertRate: healthy[rule].revertRate,
    detections: degraded[rule].reverts,
    detectionRate: degraded[rule].revertRate,
    meanChecksToDetect: degraded[rule].meanChecksToRevert,
  });
  const { cfg: _cfg, ...rest } = options;
  return { options: rest, plainRule: rates("plainRule"), analysis: rates("analysis") };
}
