import type { StageConfig } from "../../config";

/** One step of a rollout: the canary weight and what it must show before the next step. */
export interface PlanStep {
  /** 0-based position in the plan. */
  index: number;
  /** Canary share in percent. */
  weight: number;
  /** Minimum time at this weight before it may advance. */
  bakeSeconds: number;
  /** Canary requests that must be observed at this weight before it may advance (0 = off). */
  minRequests: number;
  /** Longest the step may wait for a GO; then `onStepTimeout` applies. */
  maxSeconds: number | undefined;
}

/** Where every revert goes: no traffic to the canary. The one source of this value. */
export const REVERT_WEIGHT = 0;

/** The schedule a stage's rollout follows, derived only from its config. */
export interface RolloutPlan {
  stage: string;
  steps: PlanStep[];
  checkIntervalSeconds: number;
  onStepTimeout: "hold" | "revert";
  maxInconclusiveChecks: number;
  /** Samples older than this are stale: default the ingestion delay plus three check intervals. */
  maxSampleAgeSeconds: number;
  retainOldSeconds: number;
  /** Sum of bake times: the shortest possible rollout. */
  minimumSeconds: number;
}

export function bakeFor(cfg: StageConfig, index: number): number {
  const bake = cfg.rollout.bakeSeconds;
  return Array.isArray(bake) ? (bake[index] ?? 0) : bake;
}

/**
 * Three check intervals past the ingestion delay: the newest point of a source that shows data
 * `ingestionDelaySeconds` late (Cloud Monitoring: up to 240 s) is that old before it is stale.
 */
export function maxSampleAge(cfg: StageConfig): number {
  const { maxSampleAgeSeconds, ingestionDelaySeconds, checkIntervalSeconds } = cfg.rollout;
  return maxSampleAgeSeconds ?? ingestionDelaySeconds + 3 * checkIntervalSeconds;
}

export function buildPlan(cfg: StageConfig): RolloutPlan {
  const r = cfg.rollout;
  const steps = r.steps.map((weight, index) => ({
    index,
    weight,
    bakeSeconds: bakeFor(cfg, index),
    minRequests: r.minRequestsPerStep,
    maxSeconds: r.maxStepSeconds,
  }));
  return {
    stage: cfg.stage,
    steps,
    checkIntervalSeconds: r.checkIntervalSeconds,
    onStepTimeout: r.onStepTimeout,
    maxInconclusiveChecks: r.maxInconclusiveChecks,
    maxSampleAgeSeconds: maxSampleAge(cfg),
    retainOldSeconds: r.retainOldSeconds,
    minimumSeconds: steps.reduce((sum, step) => sum + step.bakeSeconds, 0),
  };
}
