import { type Release, type Side, type StageConfig, splitOf } from "../config";

/** One release and the share of the ALB's traffic it gets. */
export interface ReleaseSide {
  role: Side;
  release: Release;
  /** Listener weight: the percentage of requests (the two weights sum to 100). */
  weight: number;
  /**
   * The old side after the retention period (`oldSideRetired`): out of the listener, its service
   * scaled to zero; its target group and alarms stay so a new release can reuse the colour.
   */
  retired: boolean;
}

/** The listener's weights are percentages: `splitOf` the stage's canary weight. */
export function releaseSides(cfg: StageConfig): [ReleaseSide, ReleaseSide] {
  const split = splitOf(cfg.canaryWeight, cfg.oldSideRetired);
  const side = (role: Side): ReleaseSide => ({
    role,
    release: cfg.releases[role],
    weight: split[role],
    retired: !split.declared.includes(role),
  });
  return [side("stable"), side("canary")];
}

/**
 * The listener's default action: ONE forward to both target groups, weighted by `releaseSides`;
 * a retired side is left out (the canary alone at 100).
 */
export function weightedForward<T>(cfg: StageConfig, targetGroupArns: Record<Side, T>) {
  return {
    type: "forward" as const,
    forward: {
      targetGroups: releaseSides(cfg)
        .filter((side) => !side.retired)
        .map((side) => ({
          arn: targetGroupArns[side.role],
          weight: side.weight,
        })),
    },
  };
}
