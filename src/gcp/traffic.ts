import { type Side, type StageConfig, splitOf } from "../config";
import { isFirstDeploy, revisionNames } from "../config/cloud-run-revision-names";

/** The tag that gives the canary revision its own URL, for checks before it takes traffic. */
export const CANARY_TAG = "canary";
export const STABLE_TAG = "stable";

/** Percent of traffic per side; always sums to 100. */
export interface TrafficWeights {
  stable: number;
  canary: number;
}

export function trafficWeights(cfg: StageConfig): TrafficWeights {
  const { stable, canary } = splitOf(cfg.canaryWeight, cfg.oldSideRetired);
  return { stable, canary };
}

/** The sides the stage declares: both, or only the canary once the old side is retired. */
export function declaredSides(cfg: StageConfig): Side[] {
  return splitOf(cfg.canaryWeight, cfg.oldSideRetired).declared;
}

/**
 * `traffics` of the one Cloud Run service in mode `revisions`. The canary entry is kept even at 0%
 * so its tagged URL exists before it serves real traffic; once the old side is retired the stable
 * entry is gone and the canary holds all of it. A first deploy (no prior stable release) sends 100%
 * to the one revision it creates: traffic may only name revisions that exist.
 */
export function revisionTraffics(cfg: StageConfig) {
  const names = revisionNames(cfg);
  if (isFirstDeploy(cfg)) {
    return [
      {
        type: "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
        revision: names.stable,
        percent: 100,
        tag: STABLE_TAG,
      },
    ];
  }
  const weights = trafficWeights(cfg);
  const entries = {
    stable: { revision: names.stable, tag: STABLE_TAG },
    canary: { revision: names.canary, tag: CANARY_TAG },
  };
  return declaredSides(cfg).map((side) => ({
    type: "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
    revision: entries[side].revision,
    percent: weights[side],
    tag: entries[side].tag,
  }));
}

/** Percent per side from a live `trafficStatuses` list (the split Cloud Run serves). */
export function weightsFromStatuses(
  statuses: readonly { tag?: string; revision?: string; percent?: number }[] | undefined,
  cfg: StageConfig,
): TrafficWeights {
  const share = (tag: string, revision: string) =>
    (statuses ?? [])
      .filter((status) => status.tag === tag || (status.tag === undefined && status.revision === revision))
      .reduce((sum, status) => sum + (status.percent ?? 0), 0);
  const names = revisionNames(cfg);
  return { stable: share(STABLE_TAG, names.stable), canary: share(CANARY_TAG, names.canary) };
}

/**
 * Cloud Monitoring evaluates PromQL conditions on multiples of 30 s: the smallest one that is not
 * shorter than the runner's check interval.
 */
export function evaluationIntervalSeconds(checkIntervalSeconds: number): number {
  return Math.max(30, Math.ceil(checkIntervalSeconds / 30) * 30);
}
