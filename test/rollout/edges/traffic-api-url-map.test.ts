import { afterEach, describe, expect, it } from "vitest";
import { UrlMapTraffic } from "../../../src/rollout/edges/drivers/url-map-traffic";
import { FakeComputeUrlMap } from "./fake-compute-url-map";

/** Mode `services`: the URL map's weights set through the Compute API (fingerprint, operation). */
let fake: FakeComputeUrlMap | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setUp(canary: number, pollsUntilDone = 2) {
  fake = await new FakeComputeUrlMap(canary, pollsUntilDone).start();
  const sleeps: number[] = [];
  const api = new UrlMapTraffic({
    project: fake.project,
    urlMap: fake.name,
    token: async () => "test-token",
    baseUrl: fake.url,
    polling: { intervalMs: 500, polls: 10, sleep: async (ms) => void sleeps.push(ms) },
  });
  return { fake, api, sleeps };
}

describe("UrlMapTraffic", () => {
  it("reads the served canary share from the second weighted backend", async () => {
    const { api } = await setUp(25);
    expect(await api.servedCanaryWeight()).toBe(25);
  });

  it("reverts to stable 100 / canary 0 and resolves only once the operation is DONE", async () => {
    const { fake, api, sleeps } = await setUp(50, 3);
    await api.setCanaryWeight(0);
    expect(fake.weights).toEqual([100, 0]);
    expect(fake.log.filter((call) => call === "GET operations")).toHaveLength(3);
    expect(sleeps).toEqual([500, 500]);
  });

  it("Compute's rate quota (403 rateLimitExceeded) is waited out, not a failed fast path", async () => {
    const { fake, api, sleeps } = await setUp(50, 1);
    fake.overRateQuota = 2;
    await api.setCanaryWeight(0);
    expect(fake.weights).toEqual([100, 0]);
    expect(sleeps.slice(0, 2)).toEqual([500, 1_000]);
  });

  it("reads the map again when another writer changed it first (412 on a stale fingerprint)", async () => {
    const { fake, api } = await setUp(10);
    fake.concurrentWriteBeforeNextPatch = true;
    await api.setCanaryWeight(0);
    expect(fake.log.filter((call) => call === "PATCH urlMaps")).toHaveLength(2);
    expect(fake.weights).toEqual([100, 0]);
  });

  it("once stable is retired, reads the canary as serving all, and refuses to revert onto no stable", async () => {
    const { fake, api } = await setUp(100);
    fake.stableRetired = true;
    expect(await api.servedCanaryWeight()).toBe(100);
    await expect(api.setCanaryWeight(0)).rejects.toThrow(
      new RegExp(`URL map ${fake.name} has 1 weighted backend`),
    );
    expect(fake.log.filter((call) => call.startsWith("PATCH"))).toHaveLength(0);
  });
});
