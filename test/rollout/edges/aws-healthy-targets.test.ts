import { describe, expect, it } from "vitest";
import type { Release } from "../../../src/config";
import { HealthyTargetsDriver } from "../../../src/rollout/edges/drivers/healthy-targets";
import { PulumiTrafficDriver } from "../../../src/rollout/edges/drivers/pulumi";
import type { TrafficDriver } from "../../../src/rollout/edges/types";
import { staging } from "../fixtures";
import { FakeAwsStack, targetGroupOf } from "./fake-aws-stack";
import { FakeEcsAlb, type ForwardTarget } from "./fake-ecs-alb";
import { rejection } from "./fake-stack";

/**
 * The AWS path in the controller's order — deploy the idle colour at 0%, wait for steady state and
 * healthy targets, gate, then weights — over an ECS/ALB fake in which tasks take time to start and
 * targets to pass the health check: no weight ever lands on a target group without a healthy
 * target, also when the idle colour was retired to 0 tasks. The controller's order is driven here
 * by the driver calls it makes (controller.ts: deployCanary, waitReady, gate, applyStep, promote, retire).
 */
const cfg = staging();
const alb = cfg.aws?.alb;
const timing = {
  provisioningMs: 20_000,
  pendingMs: 40_000,
  healthCheckIntervalSeconds: alb?.healthCheck.intervalSeconds ?? 30,
  healthyThresholdCount: alb?.healthCheck.healthyThreshold ?? 2,
  deregistrationDelaySeconds: alb?.deregistrationDelaySeconds ?? 30,
};
const image = (tag: string) => `123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/ion-api:${tag}`;
const BLUE_1 = { name: "blue", image: image("1.4.0") };
const GREEN_2 = { name: "green", image: image("1.5.0") };
const BLUE_3 = { name: "blue", image: image("1.6.0") };
const GREEN_4 = { name: "green", image: image("1.7.0") };

/** Green serves 100% and blue was retired to 0 tasks: what a promoted, retired rollout leaves. */
async function afterRetire(healthyThresholdCount = timing.healthyThresholdCount) {
  const cloud = new FakeEcsAlb({ ...timing, healthyThresholdCount }, Date.UTC(2026, 11, 7));
  const aws = new FakeAwsStack(cfg, cloud);
  await aws.deployed({
    releases: { stable: BLUE_1, canary: GREEN_2 },
    canaryWeight: 100,
    oldSideRetired: true,
  });
  cloud.advance(healthyThresholdCount > 100 ? 0 : 5 * 60_000); // green healthy, blue drained
  const violations: { at: number; weighted: ForwardTarget[] }[] = [];
  cloud.onChange = () => {
    const weighted = cloud.weightOnUnhealthy();
    if (weighted.length > 0) violations.push({ at: cloud.now, weighted });
  };
  const pulumi = new PulumiTrafficDriver({
    stage: "staging",
    workDir: "/project",
    cfg,
    selectStack: async () => aws.stack,
    sleep: async () => undefined,
  });
  const driver = new HealthyTargetsDriver(pulumi, {
    health: {
      targetStates: async (arn) =>
        cloud.describeTargetHealth(arn).TargetHealthDescriptions.map((d) => d.TargetHealth.State as string),
    },
    targetGroupOf: async (release) => targetGroupOf(release),
    timeoutMs: 10 * 60_000,
    intervalMs: 5_000,
    now: () => cloud.now,
    sleep: async (ms) => cloud.advance(ms),
  });
  return { cloud, aws, pulumi, driver, violations };
}

/** One rollout in the controller's order; returns what the gate's request to the new colour answered. */
async function rollout(driver: TrafficDriver, cloud: FakeEcsAlb, stable: Release, canary: Release) {
  const releases = { stable, canary };
  await driver.deployCanary(releases);
  await driver.waitReady(canary);
  const gate = cloud.request(targetGroupOf(canary)); // the test listener forwards to the canary's group
  for (const weight of [5, 25, 50, 100]) {
    await driver.apply({ canaryWeight: weight, releases, rolloutInProgress: true, reason: `step ${weight}` });
    cloud.advance(5 * 60_000); // the bake
  }
  await driver.apply({
    canaryWeight: 100,
    releases,
    rolloutInProgress: false,
    oldSideRetired: true,
    reason: "retire",
  });
  cloud.advance(5 * 60_000);
  return gate;
}

describe("AWS: weight only onto a target group with healthy targets", () => {
  it("two rollouts in the controller's order, each into a colour retired to 0 tasks: the gate reaches healthy targets and no weight ever lands on a group without one", async () => {
    const { cloud, driver, violations } = await afterRetire();
    expect(cloud.describeTargetHealth(targetGroupOf(BLUE_3)).TargetHealthDescriptions).toEqual([]);
    expect(await rollout(driver, cloud, GREEN_2, BLUE_3)).toBe(200);
    // Retired: green at 0 tasks and out of the listener; blue serves everything.
    expect(cloud.describeServices(["svc-green"]).services[0]).toMatchObject({
      desiredCount: 0,
      runningCount: 0,
    });
    expect(cloud.describeListeners().Listeners[0]?.DefaultActions[0]?.ForwardConfig.TargetGroups).toEqual([
      { TargetGroupArn: "tg-blue", Weight: 100 },
    ]);
    expect(await rollout(driver, cloud, BLUE_3, GREEN_4)).toBe(200);
    expect(violations).toEqual([]);
  });

  it("ECS steady state alone is not enough: the services-stable acceptor passes while a colour scaled up from 0 has only initial targets", async () => {
    const { cloud, pulumi, violations } = await afterRetire();
    const releases = { stable: GREEN_2, canary: BLUE_3 };
    await pulumi.deployCanary(releases);
    expect(await pulumi.waitReady(BLUE_3)).toMatch(/runs td-.*1\.6\.0 \(declared td-.*1\.6\.0\), 2 tasks/);
    const states = cloud
      .describeTargetHealth("tg-blue")
      .TargetHealthDescriptions.map((d) => d.TargetHealth.State);
    expect(states).toEqual(["initial", "initial"]);
    expect(cloud.request("tg-blue")).toBe(503); // a gate here would refuse a good release
    // Weight now would land on a group with no healthy target.
    await pulumi.apply({ canaryWeight: 5, releases, rolloutInProgress: true, reason: "step 1" });
    expect(violations.map((v) => v.weighted)).toContainEqual([{ targetGroupArn: "tg-blue", weight: 5 }]);
  });

  it("the old order (the new task definition and its weight in one up, listener first) weights a colour with no healthy target", async () => {
    const { cloud, aws, pulumi, violations } = await afterRetire();
    aws.order = "listener";
    await pulumi.apply({
      canaryWeight: 5,
      releases: { stable: GREEN_2, canary: BLUE_3 },
      rolloutInProgress: true,
      reason: "step 1",
    });
    expect(violations[0]?.weighted).toEqual([{ targetGroupArn: "tg-blue", weight: 5 }]);
    expect(cloud.request("tg-blue")).toBe(503);
  });

  it("waitReady gives up, naming the target group and the states, when the targets never turn healthy", async () => {
    const { driver } = await afterRetire(10_000);
    await driver.deployCanary({ stable: GREEN_2, canary: BLUE_3 });
    expect((await rejection(driver.waitReady(BLUE_3))).message).toMatch(
      /^blue has no healthy target in tg-blue after 600 s \(2 initial\); nothing applied/,
    );
  });
  it("the wrapper passes on what it does not judge: apply, the served weight and the fast revert's settle", async () => {
    const { pulumi, driver } = await afterRetire();
    const calls: string[] = [];
    const settle = pulumi.settle.bind(pulumi);
    pulumi.settle = async () => {
      calls.push("settle");
      await settle();
    };
    await driver.settle();
    expect(calls).toEqual(["settle"]);
    expect(await driver.currentCanaryWeight()).toBe(await pulumi.currentCanaryWeight());
  });
});
