/**
 * What a stage stack exports as `canaryReadiness` after an `up`: whether the platform reports the
 * canary release deployed and ready to serve, read by the rollout's Pulumi driver before the
 * pre-traffic gate asks the canary anything. One shape for every platform. It sits with the
 * stage's config because it is the other half of the same contract between the stack program
 * (aws, gcp) and the runner, and the layer both of them read.
 */
export interface CanaryReadiness {
  /** The release the stack deployed as the canary. */
  release: string;
  ready: boolean;
  /** What the platform reported, for people: the revision and its condition, the ECS service's task definition. */
  detail: string;
}

/** The stack output's name. */
export const CANARY_READINESS_OUTPUT = "canaryReadiness";
