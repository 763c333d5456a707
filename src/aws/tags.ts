import type { StageConfig } from "../config";
import { ROLLOUT_LABEL, rolloutState, STAGE_LABEL } from "../config/stage-labels";

/** Which release a resource serves: the release's name (blue or green in staging). */
export const SIDE_TAG = "ion-side";
/** Whether that release is the `stable` or the `canary` one right now. */
export const ROLE_TAG = "ion-role";

/** Tags the provider puts on every resource of the stage. */
export function stageTags(cfg: StageConfig): Record<string, string> {
  return { [STAGE_LABEL]: cfg.stage, "ion-service": cfg.service.name, "managed-by": "pulumi-ion-deploy" };
}

/** Names the canary among the listener's blue/green target groups, for the guardrails. */
export const CANARY_TAG = "ion-canary";

/** Tags of the HTTPS listener; the runner flips `ion-rollout` while it steps weights. */
export function listenerTags(cfg: StageConfig): Record<string, string> {
  return {
    [ROLLOUT_LABEL]: rolloutState(cfg),
    [STAGE_LABEL]: cfg.stage,
    [CANARY_TAG]: cfg.releases.canary.name,
  };
}
