import { describe, expect, it } from "vitest";
import { updateOrder } from "../../src/aws/traffic";
import type { StageConfig } from "../../src/config";
import { renderStage } from "../../src/synth/render";
import { inputs, mockArn, ofType, stagingWith, TYPES } from "./fixtures";

/**
 * Weight moves only onto a colour whose tasks are running and healthy: under Pulumi's mocks a
 * resource registers only after everything it depends on, so the registration order is the
 * update order Pulumi follows.
 */
const renders = new Map<string, ReturnType<typeof renderStage>>();

async function rendered(config: StageConfig) {
  const key = JSON.stringify([config.canaryWeight, config.rolloutInProgress, config.oldSideRetired]);
  if (!renders.has(key)) renders.set(key, renderStage(config));
  const stage = await (renders.get(key) as ReturnType<typeof renderStage>);
  const index = (pick: (r: (typeof stage.resources)[number]) => boolean) => stage.resources.findIndex(pick);
  const https = index((r) => r.type === TYPES.listener && inputs(r).port === 443);
  const services = stage.resources.flatMap((r, i) => (r.type === TYPES.ecsService ? [i] : []));
  return { stage, https, services };
}

describe("AWS update order: services before weights whenever the canary gets weight", () => {
  it("a rollout step: both services (waiting for steady state) register before the weighted listener", async () => {
    const { stage, https, services } = await rendered(
      stagingWith({ canaryWeight: 10, rolloutInProgress: true }),
    );
    expect(services).toHaveLength(2);
    expect(Math.max(...services)).toBeLessThan(https);
    for (const service of ofType(stage, TYPES.ecsService))
      expect(inputs(service).waitForSteadyState).toBe(true);
  });

  it("the stage's first up at weight 0: the listener first (a service needs a target group a listener holds)", async () => {
    const { https, services } = await rendered(stagingWith({ canaryWeight: 0 }));
    expect(https).toBeGreaterThanOrEqual(0);
    expect(Math.min(...services)).toBeGreaterThan(https);
  });

  it("retire: the old colour leaves the listener before its service scales to 0", async () => {
    const { https, services } = await rendered(stagingWith({ canaryWeight: 100, oldSideRetired: true }));
    expect(Math.min(...services)).toBeGreaterThan(https);
  });

  it("no split the stage can declare weights a colour whose service runs 0 tasks", async () => {
    const splits = [
      { canaryWeight: 0 },
      { canaryWeight: 10, rolloutInProgress: true },
      { canaryWeight: 100, oldSideRetired: true },
    ];
    for (const split of splits) {
      const { stage } = await rendered(stagingWith(split));
      const listener = ofType(stage, TYPES.listener).find((r) => inputs(r).port === 443);
      const forward = inputs(listener as (typeof stage.resources)[number]).defaultActions[0].forward;
      const tasksBehind = (arn: string) =>
        ofType(stage, TYPES.ecsService)
          .map(inputs)
          .filter((s) => s.loadBalancers.some((lb: { targetGroupArn: string }) => lb.targetGroupArn === arn))
          .reduce((sum, s) => sum + s.desiredCount, 0);
      for (const group of forward.targetGroups as { arn: string; weight: number }[]) {
        if (group.weight > 0) expect(tasksBehind(group.arn), JSON.stringify(split)).toBeGreaterThan(0);
      }
      expect(ofType(stage, TYPES.targetGroup).every((tg) => typeof mockArn(tg) === "string")).toBe(true);
    }
  });

  it("updateOrder: services first exactly when the canary gets weight and nothing is retired", () => {
    expect(updateOrder(stagingWith({ canaryWeight: 0 }))).toBe("listener");
    expect(updateOrder(stagingWith({ canaryWeight: 5 }))).toBe("services");
    expect(updateOrder(stagingWith({ canaryWeight: 100 }))).toBe("services");
    expect(updateOrder(stagingWith({ canaryWeight: 100, oldSideRetired: true }))).toBe("listener");
  });
});
