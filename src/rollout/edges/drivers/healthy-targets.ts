import type { Release } from "../../../config";
import { abortableSleep } from "../sleep";
import type { DeployedReleases, TrafficChange, TrafficDriver } from "../types";

/**
 * ALB target health as `DescribeTargetHealth` reports it, one entry per registered target:
 * `initial` (registering, or still short of the healthy threshold's checks), `healthy`,
 * `unhealthy`, `unused`, `draining`, `unavailable` (docs/cloud-edges.md quotes the API reference).
 */
export interface TargetHealthReader {
  targetStates(targetGroupArn: string, signal?: AbortSignal): Promise<string[]>;
}

export interface HealthyTargetsOptions {
  health: TargetHealthReader;
  /** The target group the release's tasks register in (the stack's `targetGroupArns.canary`). */
  targetGroupOf: (release: Release) => Promise<string>;
  /** How long the targets may take: the health check's `healthyThreshold` × interval, and some. */
  timeoutMs: number;
  intervalMs?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * A driver whose `waitReady` also waits until the release's target group has a healthy target.
 * ECS steady state counts a RUNNING task, and a service scaled up from 0 on its task definition
 * starts no new deployment: its update can return while the ALB still reports the targets
 * `initial`. The pre-traffic gate and every weight come after this, so no weight moves onto a
 * target group without a healthy target.
 */
export class HealthyTargetsDriver implements TrafficDriver {
  readonly description: string;

  constructor(
    private readonly platform: TrafficDriver,
    private readonly options: HealthyTargetsOptions,
  ) {
    this.description = `${platform.description}, waiting for healthy ALB targets`;
  }

  apply(change: TrafficChange, signal?: AbortSignal): Promise<void> {
    return this.platform.apply(change, signal);
  }

  currentCanaryWeight(): Promise<number | undefined> {
    return this.platform.currentCanaryWeight();
  }

  /** The wrapped driver's work after an urgent change (the fast revert's stack update). */
  async settle(): Promise<void> {
    await this.platform.settle?.();
  }

  deployCanary(releases: DeployedReleases, signal?: AbortSignal): Promise<void> {
    return this.platform.deployCanary(releases, signal);
  }

  async waitReady(release: Release, signal?: AbortSignal): Promise<string> {
    const ready = await this.platform.waitReady(release, signal);
    const { health, timeoutMs } = this.options;
    const now = this.options.now ?? Date.now;
    const sleep = this.options.sleep ?? abortableSleep;
    const targetGroup = await this.options.targetGroupOf(release);
    const deadline = now() + timeoutMs;
    for (;;) {
      signal?.throwIfAborted();
      const states = await health.targetStates(targetGroup, signal);
      const healthy = states.filter((state) => state === "healthy").length;
      if (healthy > 0) return `${ready}; ${healthy} of ${states.length} targets healthy in ${targetGroup}`;
      if (now() >= deadline) {
        throw new Error(
          `${release.name} has no healthy target in ${targetGroup} after ${Math.round(timeoutMs / 1000)} s (${summary(states)}); nothing applied. Check the target group's health checks (aws elbv2 describe-target-health --target-group-arn ${targetGroup}).`,
        );
      }
      await sleep(this.options.intervalMs ?? 5_000, signal);
    }
  }
}

function summary(states: string[]): string {
  if (states.length === 0) return "no registered targets";
  const counts = new Map<string, number>();
  for (const state of states) counts.set(state, (counts.get(state) ?? 0) + 1);
  return [...counts].map(([state, n]) => `${n} ${state}`).join(", ");
}
