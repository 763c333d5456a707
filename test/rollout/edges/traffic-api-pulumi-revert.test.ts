import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ConcurrentUpdateError, type UpResult } from "@pulumi/pulumi/automation";
import { afterEach, describe, expect, it } from "vitest";
import { loadStageConfig } from "../../../src/config";
import { AlbTraffic } from "../../../src/rollout/edges/drivers/alb-traffic";
import { CloudRunTraffic } from "../../../src/rollout/edges/drivers/cloud-run-traffic";
import { PulumiTrafficDriver } from "../../../src/rollout/edges/drivers/pulumi";
import type { TrafficApi } from "../../../src/rollout/edges/drivers/traffic-api";
import { UrlMapTraffic } from "../../../src/rollout/edges/drivers/url-map-traffic";
import type { TrafficChange } from "../../../src/rollout/edges/types";
import { FakeCloudRunAdmin } from "./fake-cloud-run-admin";
import { FakeComputeUrlMap } from "./fake-compute-url-map";
import { CANARY_TG, FakeElbv2, STABLE_TG } from "./fake-elbv2";
import { deployment, FakeStack, stateResource, upResult } from "./fake-stack";

/**
 * The fast revert path of the Pulumi driver against a fake of the Cloud Run Admin API: the revert
 * is served through the traffic API before any `pulumi up` starts, and the targeted `up` that
 * brings the stack into agreement neither delays nor undoes it.
 */
const cfg = loadStageConfig("prod");
const STATE = deployment([stateResource("gcp:cloudrunv2/service:Service", "ion-api")]);
const releases = {
  stable: { image: "registry/ion-api:1.4.0", name: "ion-api-v1-4-0" },
  canary: { image: "registry/ion-api:1.5.0", name: "ion-api-v1-5-0" },
};
const REVERT: TrafficChange = {
  canaryWeight: 0,
  releases,
  rolloutInProgress: false,
  reason: "revert: NO-GO",
  urgent: true,
};
const STEP: TrafficChange = { canaryWeight: 25, releases, rolloutInProgress: true, reason: "step 3/5" };

let fake: FakeCloudRunAdmin | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setUp(ups: (() => Promise<UpResult>)[], pollsUntilDone = 3) {
  fake = await new FakeCloudRunAdmin(25, pollsUntilDone).start();
  const served = fake;
  const sleeps: number[] = [];
  const upsStartedAt: number[] = [];
  const stack = new FakeStack(
    STATE,
    ups.map((up) => async () => {
      upsStartedAt.push(served.servedCanary());
      return up();
    }),
  );
  const output: string[] = [];
  const api = new CloudRunTraffic({
    service: served.service,
    token: async () => "test-token",
    baseUrl: served.url,
    polling: { intervalMs: 1000, polls: 10, sleep: async (ms) => void sleeps.push(ms) },
  });
  const driver = new PulumiTrafficDriver({
    stage: "prod",
    workDir: "/project",
    cfg,
    onOutput: (text) => output.push(text),
    selectStack: async () => stack,
    sleep: async (ms) => void sleeps.push(ms),
    concurrentUpdate: { attempts: 3, baseDelayMs: 5_000 },
    trafficApi: async () => api,
  });
  return { fake: served, stack, driver, output, upsStartedAt, sleeps };
}

describe("a revert through the Cloud Run traffic API", () => {
  it("is served before the targeted up starts, and the up then writes weight 0 into the stack", async () => {
    const t = await setUp([async () => upResult("succeeded")]);
    await t.driver.apply(REVERT);
    // Resolved: the platform serves 0% and no `up` has run yet.
    expect(t.fake.servedCanary()).toBe(0);
    expect(t.stack.upCalls).toHaveLength(0);
    await t.driver.settle();
    expect(t.upsStartedAt).toEqual([0]);
    expect(t.stack.config.get("ion-deploy:canaryWeight")).toBe("0");
    expect(t.output.join("")).toMatch(/stack prod agrees: canary 0%/);
  });

  it("waits on the long-running operation: resolved only once it is done and the split served", async () => {
    const t = await setUp([async () => upResult("succeeded")], 4);
    await t.driver.apply(REVERT);
    const calls = t.fake.log.map((entry) => entry.call);
    expect(calls.filter((call) => call === "GET operation")).toHaveLength(4);
    // Every read while the operation ran still saw the old split; the last one the new.
    expect(t.fake.log.filter((e) => e.call === "GET operation").map((e) => e.servedCanary)).toEqual([
      25, 25, 25, 25,
    ]);
    expect(calls.at(-1)).toBe("GET service");
    expect(t.fake.servedCanary()).toBe(0);
    // One poll interval between operation reads, in the injected sleep (no wall clock).
    expect(t.sleeps).toEqual([1000, 1000, 1000]);
    await t.driver.settle();
  });

  it("is not delayed while another update holds the stack's lock, nor undone when the up then fails", async () => {
    let release: (() => void) | undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const locked = async (): Promise<UpResult> => {
      await held;
      throw new ConcurrentUpdateError("error: [409] Conflict: Another update is currently in progress.");
    };
    const t = await setUp([locked]);
    await t.driver.apply(REVERT);
    expect(t.fake.servedCanary()).toBe(0);
    // The agreement is stuck on the lock; the revert already resolved.
    expect(t.stack.upCalls.length).toBeLessThanOrEqual(1);
    release?.();
    await t.driver.settle();
    expect(t.stack.upCalls).toHaveLength(3);
    expect(t.fake.servedCanary()).toBe(0);
    // The config was written before the up: a later `pulumi up` keeps weight 0.
    expect(t.stack.config.get("ion-deploy:canaryWeight")).toBe("0");
    expect(t.output.join("")).toMatch(/serves canary 0%, but stack prod did not take it: .*locked/s);
  });

  it("a step after the revert waits for the stack's agreement, so two updates never race", async () => {
    const order: string[] = [];
    const t = await setUp([
      async () => {
        order.push("agreement up");
        return upResult("succeeded");
      },
      async () => {
        order.push("step up");
        return upResult("succeeded");
      },
    ]);
    await t.driver.apply(REVERT);
    await t.driver.apply(STEP);
    expect(order).toEqual(["agreement up", "step up"]);
  });

  it("falls back to the targeted up when the traffic API refuses, and resolves only after it", async () => {
    const t = await setUp([async () => upResult("succeeded")]);
    t.fake.refusePatchWith = 403;
    await t.driver.apply(REVERT);
    expect(t.stack.upCalls).toHaveLength(1);
    expect(t.output.join("")).toMatch(/could not set canary 0%.*PERMISSION_DENIED.*falling back/s);
  });

  it("reads the split the platform serves, so a change made outside the stack is seen", async () => {
    const t = await setUp([async () => upResult("succeeded")]);
    t.stack.outputsValue = { weights: { value: { stable: 75, canary: 25 }, secret: false } };
    // Someone moved the split in the console: the service serves 40%, the stack still says 25%.
    t.fake.statuses = t.fake.statuses.map((s) => ({ ...s, percent: s.tag === "canary" ? 40 : 60 }));
    expect(await t.driver.currentCanaryWeight()).toBe(40);
  });

  it("steps (not urgent) still go through the targeted up only", async () => {
    const t = await setUp([async () => upResult("succeeded")]);
    await t.driver.apply(STEP);
    expect(t.stack.upCalls).toHaveLength(1);
    expect(t.fake.log.filter((e) => e.call.startsWith("PATCH"))).toHaveLength(0);
  });
});

/** Each platform's traffic API behind the same driver: served first, never held back by the stack. */
interface OpenedApi {
  api: TrafficApi;
  servedCanary(): number;
  close(): Promise<void>;
}

const noWait = { intervalMs: 1000, polls: 10, sleep: async () => {} };

const PLATFORM_APIS: [string, () => Promise<OpenedApi>][] = [
  [
    "Cloud Run service traffic",
    async () => {
      const f = await new FakeCloudRunAdmin(25, 2).start();
      const api = new CloudRunTraffic({
        service: f.service,
        token: async () => "t",
        baseUrl: f.url,
        polling: noWait,
      });
      return { api, servedCanary: () => f.servedCanary(), close: () => f.close() };
    },
  ],
  [
    "URL map weights",
    async () => {
      const f = await new FakeComputeUrlMap(25, 2).start();
      const api = new UrlMapTraffic({
        project: f.project,
        urlMap: f.name,
        token: async () => "t",
        baseUrl: f.url,
        polling: noWait,
      });
      return { api, servedCanary: () => f.weights[1], close: () => f.close() };
    },
  ],
  [
    "ALB listener weights",
    async () => {
      const f = await new FakeElbv2(25).start();
      const client = new ElasticLoadBalancingV2Client({
        region: "ap-northeast-2",
        endpoint: f.url,
        credentials: { accessKeyId: "a", secretAccessKey: "b" },
        maxAttempts: 1,
      });
      const api = new AlbTraffic({ client, targetGroups: { stable: STABLE_TG, canary: CANARY_TG } });
      return { api, servedCanary: () => f.canaryWeight(), close: () => f.close() };
    },
  ],
];

/** The driver on a stack, with the platform's traffic API as its fast path; what it says, collected. */
function fastPathDriver(stack: FakeStack, api: TrafficApi) {
  const output: string[] = [];
  const driver = new PulumiTrafficDriver({
    stage: "prod",
    workDir: "/project",
    cfg,
    onOutput: (text) => output.push(text),
    selectStack: async () => stack,
    sleep: async () => {},
    trafficApi: async () => api,
  });
  return { driver, output };
}

describe.each(PLATFORM_APIS)("a revert through the %s", (_name, open) => {
  it("is then agreed by an up that refreshes first (the fast path changed what the state last saw)", async () => {
    const opened = await open();
    // The GCP provider sends the URL map's fingerprint from the state: stale after the fast path,
    // so without a refresh Compute answers 412 (docs/cloud-edges.md); a refresh reads the live one.
    const stack = new FakeStack(STATE, [
      async (options) =>
        options.refresh === true
          ? upResult("succeeded")
          : Promise.reject(new Error("googleapi: Error 412: Invalid fingerprint., conditionNotMet")),
    ]);
    const { driver, output } = fastPathDriver(stack, opened.api);
    await driver.apply(REVERT);
    await driver.settle();
    expect(output.join("")).toMatch(/stack prod agrees: canary 0%/);
    expect(stack.upCalls.every((call) => call.refresh === true)).toBe(true);
    await opened.close();
  });

  it("is served before the up starts, and an up that then fails does not undo it", async () => {
    const opened = await open();
    const servedAtUp: number[] = [];
    const stack = new FakeStack(STATE, [
      async () => {
        servedAtUp.push(opened.servedCanary());
        throw new Error("pulumi up failed: provider error");
      },
    ]);
    const { driver, output } = fastPathDriver(stack, opened.api);
    await driver.apply(REVERT);
    expect(opened.servedCanary()).toBe(0);
    expect(stack.upCalls).toHaveLength(0);
    await driver.settle();
    expect(servedAtUp).toEqual([0]);
    expect(opened.servedCanary()).toBe(0);
    expect(output.join("")).toMatch(/serves canary 0%, but stack prod did not take it: .*provider error/s);
    await opened.close();
  });
});
