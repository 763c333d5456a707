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
}

/** Stable gets `100 - canaryWeight`, canary `canaryWeight`: the listener's weights are percentages. */
export function releaseSides(cfg: StageConfig): [ReleaseSide, ReleaseSide] {
  return [
    { role: "stable", release: cfg.releases.stable, weight: 100 - cfg.canaryWeight },
    { role: "canary", release: cfg.releases.canary, weight: cfg.canaryWeight },
  ];
}

/** The listener's default action: ONE forward to both target groups, weighted by `releaseSides`. */
export function weightedForward<T>(cfg: StageConfig, targetGroupArns: Record<ReleaseRole, T>) {
  return {
    type: "forward" as const,
    forward: {
      targetGroups: releaseSides(cfg).map((side) => ({
        arn: targetGroupArns[side.role],
        weight: side.weight,
      })),
    },
  };
}
