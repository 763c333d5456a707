/** Which part a release plays in a rollout: the one name for it across stacks, signals and runner. */
export type Side = "stable" | "canary";

/** A stage's traffic split: percent per side (summing to 100) and the sides the stack declares. */
export interface TrafficSplit {
  stable: number;
  canary: number;
  /** Both sides, or only the canary once the old side is retired (`oldSideRetired`). */
  declared: Side[];
}

/**
 * The one traffic-split function every platform (Cloud Run, the load balancer, the ALB, HAProxy)
 * and the rehearsal use: canary `canaryWeight` percent, stable the rest; a retired old side is no
 * longer declared, which is only valid with the canary at 100.
 */
export function splitOf(canaryWeight: number, retired = false): TrafficSplit {
  if (!Number.isInteger(canaryWeight) || canaryWeight < 0 || canaryWeight > 100) {
    throw new RangeError(`canary weight must be an integer percent 0..100, got ${canaryWeight}`);
  }
  if (retired && canaryWeight !== 100) {
    throw new RangeError(`the old side can only be retired with the canary at 100%, got ${canaryWeight}%`);
  }
  return {
    stable: 100 - canaryWeight,
    canary: canaryWeight,
    declared: retired ? ["canary"] : ["stable", "canary"],
  };
}
