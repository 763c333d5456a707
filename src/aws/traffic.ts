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

/**
 * Which changes first in one `pulumi up`: the ECS services or the weighted listener.
 * - "services": whenever the canary is given weight (a rollout step, a promotion) the services
 *   update first and, with `waitForSteadyState`, only once their tasks are running and healthy in
 *   their target groups does the listener move weight — never onto a colour without healthy
 *   targets (a colour retired to 0 tasks gets its tasks back before any weight).
 * - "listener": at the stage's first `up` (canary weight 0: a service can be created only into a
 *   target group a listener already holds), on a revert to 0 (weight moves to the serving stable
 *   side), and on retire (the old colour leaves the listener before its service scales to 0).
 */
export function updateOrder(cfg: StageConfig): "services" | "listener" {
  if (cfg.oldSideRetired) return "listener";
  return cfg.canaryWeight > 0 ? "services" : "listener";
}
