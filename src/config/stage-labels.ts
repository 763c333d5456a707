import type { StageConfig } from "./schema";

/**
 * The label (GCP) and tag (AWS) keys every stack sets and the policy pack reads to judge it: one
 * vocabulary for both clouds, so it sits below both.
 */

/** Whether a rollout is stepping the canary (guardrails allow a canary past step one only then). */
export const ROLLOUT_LABEL = "ion-rollout";
export const STAGE_LABEL = "ion-stage";
export const SIGNAL_LABEL = "ion-signal";

export type RolloutLabelValue = "in-progress" | "idle";

/** The `ion-rollout` value of a stage: "in-progress" while the runner steps its weights. */
export function rolloutState(cfg: StageConfig): RolloutLabelValue {
  return cfg.rolloutInProgress ? "in-progress" : "idle";
}
