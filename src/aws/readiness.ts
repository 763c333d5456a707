import type { CanaryReadiness } from "../config";

export interface EcsServiceStatus {
  /** The task definition the service runs after the update (a circuit-breaker rollback puts the old one back). */
  serviceTaskDefinition?: string;
  /** The task definition this release declared. */
  declaredTaskDefinition?: string;
  desiredCount?: number;
}

/**
 * The idle colour's ECS service is ready when it runs this release's task definition with tasks:
 * the service is created with `waitForSteadyState`, so the update returned only once ECS reported
 * steady state, in which a load-balanced task counts as healthy only when its target passes the
 * ALB's health check. A rollback by the deployment circuit breaker leaves the old task definition.
 */
export function ecsReadiness(release: string, status: EcsServiceStatus): CanaryReadiness {
  const runs = status.serviceTaskDefinition ?? "none";
  const declared = status.declaredTaskDefinition ?? "unknown";
  const tasks = status.desiredCount ?? 0;
  return {
    release,
    ready: runs === declared && tasks > 0,
    detail: `ECS service of ${release}: runs ${runs} (declared ${declared}), ${tasks} tasks at steady state`,
  };
}
