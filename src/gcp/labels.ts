import type { StageConfig } from "../config";
import { ROLLOUT_LABEL, rolloutState, STAGE_LABEL } from "../config/stage-labels";

/** "true" when the stage declares the service public (`gcp.public`); the pack allows allUsers only then. */
export const PUBLIC_LABEL = "ion-public";

/**
 * Labels for every Cloud Run service. Service-level only: a change in the revision template's labels
 * would need a new revision, and the runner flips `ion-rollout` without deploying one.
 */
export function stageLabels(cfg: StageConfig): Record<string, string> {
  return {
    [ROLLOUT_LABEL]: rolloutState(cfg),
    [STAGE_LABEL]: cfg.stage,
    [PUBLIC_LABEL]: String(cfg.gcp?.public ?? false),
  };
}

/** URL maps carry no labels; the same facts go in their description. */
export function urlMapDescription(cfg: StageConfig, what: string): string {
  return `${what} (${ROLLOUT_LABEL}=${rolloutState(cfg)} ${STAGE_LABEL}=${cfg.stage})`;
}
