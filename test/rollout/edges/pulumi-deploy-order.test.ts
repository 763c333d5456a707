import { afterEach, describe, expect, it } from "vitest";
import { runRollout } from "../../../src/rollout/controller/runner";
import { PulumiTrafficDriver } from "../../../src/rollout/edges/drivers/pulumi";
import { buildGates } from "../../../src/rollout/edges/probes/from-config";
import { readJournal } from "../../support/records";
import { fakeRun, tempDir } from "../fakes";
import { prodWith } from "../fixtures";
import { FakeCloudRun } from "./fake-cloud-run";
import { rejection } from "./fake-stack";

/**
 * The Pulumi driver in the runner's order, over a fake of the Automation API that behaves like
 * Cloud Run: the new release is deployed at 0% by a targeted `up`, its readiness read from the
 * stack's `canaryReadiness` output, and the pre-traffic gate asks the URL the stack then gives for
 * the `canary` tag: the new revision, not the one deployed before.
 */
const cfg = prodWith({
  rollout: {
    bakeSeconds: 120,
    checkIntervalSeconds: 60,
    minRequestsPerStep: 0,
    maxStepSeconds: 600,
    preTraffic: {
      auth: "none",
      health: { requests: 3, timeoutMs: 1000 },
      probe: { requestsPerSide: 3, spacingMs: 0 },
      postPromotionCheck: false,
    },
  },
});

const PREVIOUS = { image: "registry/ion-api:1.5.0", name: "ion-api-v1-5-0" };
const BROKEN = { image: "registry/ion-api:1.6.0", name: "ion-api-v1-6-0" };
const STABLE = cfg.releases.stable;

let cloud: FakeCloudRun | undefined;
afterEach(async () => {
  await cloud?.close();
});

function driverOn(platform: FakeCloudRun) {
  return new PulumiTrafficDriver({
    stage: "prod",
    workDir: "/project",
    cfg,
    selectStack: async () => platform.stack,
    sleep: async () => undefined,
  });
}

describe("the Pulumi driver deploys at 0% before the pre-traffic gate", () => {
  it("a new image whose /health fails, over a healthy previous canary, is refused before any user reaches it", async () => {
    cloud = new FakeCloudRun(cfg, [BROKEN.image]);
    await cloud.deployed({ stable: STABLE, canary: PREVIOUS }, 0);
    const platform = cloud;
    const driver = driverOn(platform);
    const gates = buildGates(cfg, {
      projectDir: tempDir(),
      release: BROKEN.name,
      readOutputs: async () => platform.stack.outputsValue,
    });
    const { options } = fakeRun(cfg, {
      driver,
      releases: { stable: STABLE, canary: BROKEN },
      ...gates,
    });
    const result = await runRollout(options);
    expect(result).toMatchObject({ outcome: "reverted", exitCode: 2 });
    const journal = await readJournal(options.stateDir, "prod");
    expect(journal[0]?.reason).toMatch(
      /^pre-traffic NO-GO: health canary http:\/\/127\.0\.0\.1:\d+\/health: 0\/3 2xx/,
    );
    // The gate asked the new revision, and no user request reached it at any point.
    expect(cloud.counts.get(BROKEN.name)?.health).toBeGreaterThan(0);
    expect(cloud.userRequestsTo(BROKEN.name)).toBe(0);
    // Every targeted up declared the new canary at 0%.
    const weights = platform.stack.configJsonCalls.map(
      (json) => JSON.parse(json)["ion-deploy:canaryWeight"].objectValue as number,
    );
    expect(weights).toEqual([0, 0]);
  });

  it("a healthy new image is deployed at 0%, read ready, then stepped", async () => {
    cloud = new FakeCloudRun(cfg, [BROKEN.image]);
    await cloud.deployed({ stable: STABLE, canary: PREVIOUS }, 0);
    const next = { image: "registry/ion-api:1.7.0", name: "ion-api-v1-7-0" };
    const driver = driverOn(cloud);
    await driver.deployCanary({ stable: STABLE, canary: next });
    expect(await driver.waitReady(next)).toMatch(
      /^revision ion-api-v1-7-0-\w+: latest ready revision ion-api-v1-7-0-\w+, tag canary -> ion-api-v1-7-0-\w+ at 0%, CONDITION_SUCCEEDED$/,
    );
    expect(cloud.userRequestsTo(next.name)).toBe(0);
  });

  it("waitReady rejects a revision Cloud Run does not report ready, and an output naming another release", async () => {
    cloud = new FakeCloudRun(cfg, []);
    const driver = driverOn(cloud);
    cloud.stack.outputsValue = {
      canaryReadiness: {
        value: {
          release: BROKEN.name,
          ready: false,
          detail: "revision r: CONDITION_FAILED: container failed to start",
        },
        secret: false,
      },
    };
    expect((await rejection(driver.waitReady(BROKEN))).message).toBe(
      "ion-api-v1-6-0 is not ready: revision r: CONDITION_FAILED: container failed to start",
    );
    expect((await rejection(driver.waitReady(PREVIOUS))).message).toMatch(
      /^stack prod reports readiness of ion-api-v1-6-0, not ion-api-v1-5-0/,
    );
    cloud.stack.outputsValue = {};
    expect((await rejection(driver.waitReady(BROKEN))).message).toMatch(
      /has no `canaryReadiness` output: run `pulumi up --stack prod` once/,
    );
  });
});
