import { afterEach, describe, expect, it } from "vitest";
import { CANARY_TAG, STABLE_TAG } from "../../../src/gcp/traffic";
import { CLOUD_RUN_TAGS, CloudRunTraffic } from "../../../src/rollout/edges/drivers/cloud-run-traffic";
import { FakeCloudRunAdmin } from "./fake-cloud-run-admin";

let fake: FakeCloudRunAdmin | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setUp(canary: number, polls = 10) {
  fake = await new FakeCloudRunAdmin(canary, 2).start();
  const waits: number[] = [];
  const api = new CloudRunTraffic({
    service: fake.service,
    token: async () => "test-token",
    baseUrl: fake.url,
    polling: {
      intervalMs: 1000,
      polls,
      sleep: async (ms) => {
        waits.push(ms);
      },
    },
  });
  return { fake, api, waits };
}

describe("CloudRunTraffic", () => {
  it("uses the tags the stack gives the two revisions", () => {
    expect(CLOUD_RUN_TAGS).toEqual({ stable: STABLE_TAG, canary: CANARY_TAG });
  });

  it("changes only the percentages: revisions, types and tags stay as declared", async () => {
    const { fake, api } = await setUp(10);
    const before = structuredClone(fake.traffic);
    await api.setCanaryWeight(0);
    expect(fake.traffic).toEqual(before.map((t) => ({ ...t, percent: t.tag === "canary" ? 0 : 100 })));
    expect(await api.servedCanaryWeight()).toBe(0);
  });

  it("refuses a service whose traffic has no canary tag, before patching anything", async () => {
    const { fake, api } = await setUp(10);
    fake.traffic = fake.traffic.filter((t) => t.tag !== "canary");
    await expect(api.setCanaryWeight(0)).rejects.toThrow(/no traffic entry tagged `canary`/);
    expect(fake.log.some((e) => e.call.startsWith("PATCH"))).toBe(false);
  });

  it("gives up on an operation that is not done within its polls, naming it", async () => {
    const { api } = await setUp(10, 1);
    await expect(api.setCanaryWeight(0)).rejects.toThrow(
      /operation projects\/p\/locations\/us-central1\/operations\/op-1: not done after 1 polls/,
    );
  });

  it("a revert through a passing 503 or 429 retries and lands, instead of failing the fast path", async () => {
    for (const status of [503, 429]) {
      const { fake, api, waits } = await setUp(25);
      fake.unavailable = { status, count: 2 };
      await api.setCanaryWeight(0);
      expect(fake.servedCanary()).toBe(0);
      expect(waits.slice(0, 2)).toEqual([500, 1_000]);
      await fake.close();
    }
  });

  it("a 503 that outlasts the retries fails naming it; a refusal is not retried", async () => {
    const { fake, api, waits } = await setUp(25);
    fake.unavailable = { status: 503, count: 10 };
    await expect(api.setCanaryWeight(0)).rejects.toThrow(/HTTP 503 UNAVAILABLE/);
    expect(waits).toEqual([500, 1_000, 2_000]);
    fake.unavailable = { status: 503, count: 0 };
    fake.refusePatchWith = 403;
    waits.length = 0;
    await expect(api.setCanaryWeight(0)).rejects.toThrow(/HTTP 403 PERMISSION_DENIED/);
    expect(waits).toEqual([]);
    expect(fake.servedCanary()).toBe(25);
  });
});
