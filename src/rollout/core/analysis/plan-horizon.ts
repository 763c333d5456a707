import type { RolloutPlanConfig, Thresholds } from "../../../config";

/**
 * The evidence guarantees are spent over `horizonChecks` checks with data (the change-point and
 * one-check shares of alpha, docs/evidence.md); past it they grow linearly. A rollout on schedule
 * takes each step's bake in checks plus the check that advances it, so the horizon the analysis
 * uses is never shorter than that: false reverts stay within alpha over the whole planned
 * rollout, whatever the steps and bakes are configured to.
 */

/** Checks the plan schedules: the bakes in checks (rounded up), plus one check per step. */
export function plannedChecks(
  rollout: Pick<RolloutPlanConfig, "steps" | "bakeSeconds" | "checkIntervalSeconds">,
): number {
  const { steps, bakeSeconds, checkIntervalSeconds: interval } = rollout;
  const bakes = steps.map((_, i) => (Array.isArray(bakeSeconds) ? (bakeSeconds[i] ?? 0) : bakeSeconds));
  return bakes.reduce((sum, bake) => sum + Math.ceil(bake / interval) + 1, 0);
}

/** The thresholds with each evidence horizon raised to at least the plan's scheduled checks. */
export function withPlanHorizon(thresholds: Thresholds, checks: number): Thresholds {
  const raise = <T extends { horizonChecks: number }>(e: T): T =>
    e.horizonChecks >= checks ? e : { ...e, horizonChecks: checks };
  const { errorRate, p95LatencyMs } = thresholds;
  if (errorRate.evidence.horizonChecks >= checks && p95LatencyMs.evidence.horizonChecks >= checks)
    return thresholds;
  return {
    ...thresholds,
    errorRate: { ...errorRate, evidence: raise(errorRate.evidence) },
    p95LatencyMs: { ...p95LatencyMs, evidence: raise(p95LatencyMs.evidence) },
  };
}
