import type { Release, StageConfig } from "../config";
import type { Side } from "../signals";

/** Which part a release plays in the split; the signals module and the runner call it a side. */
export type ReleaseRole = Side;

/** One release and the share of the ALB's traffic it gets. */
export interface ReleaseSide {
  role: ReleaseRole;
  release: Release;
  /** Listener weight: the percentage of requests (the two weights sum to 100). */
  weight: number;
  /**
   * The old side after the retention period (`oldSideRetired`): out of the listener, its service
   * scaled to zero; its target group and alarms stay so a new release can reuse the colour.
   */
  retired: boolean;
}

/** Stable gets `100 - canaryWeight`, canary `canaryWeight`: the listener's weights are percentages. */
export function releaseSides(cfg: StageConfig): [ReleaseSide, ReleaseSide] {
  return [
    {
      role: "stable",
      release: cfg.releases.stable,
      weight: 100 - cfg.canaryWeight,
      retired: cfg.oldSideRetired,
    },
    { role: "canary", release: cfg.releases.canary, weight: cfg.canaryWeight, retired: false },
  ];
}

/**
 * The listener's default action: ONE forward to both target groups, weighted by `releaseSides`;
 * a retired side is left out (the canary alone at 100).
 */
export function weightedForward<T>(cfg: StageConfig, targetGroupArns: Record<ReleaseRole, T>) {
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
