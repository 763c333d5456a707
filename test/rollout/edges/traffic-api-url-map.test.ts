import { afterEach, describe, expect, it } from "vitest";
import { weightedUrlMap } from "../../../src/rollout/edges/drivers/stack-traffic-api";
import { UrlMapTraffic } from "../../../src/rollout/edges/drivers/url-map-traffic";
import { FakeComputeUrlMap } from "./fake-compute-url-map";

/** Mode `services`: the URL map's weights set through the Compute API (fingerprint, operation). */
let fake: FakeComputeUrlMap | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** The backends as the stack declares them (stackTrafficApi reads them from its state). */
const DECLARED = { stable: "prod-lb-stable-backend", canary: "prod-lb-canary-backend" };

async function setUp(canary: number, pollsUntilDone = 2, backends: typeof DECLARED | undefined = DECLARED) {
  fake = await new FakeComputeUrlMap(canary, pollsUntilDone).start();
  const sleeps: number[] = [];
  const api = new UrlMapTraffic({
    project: fake.project,
    urlMap: fake.name,
    token: async () => "test-token",
    baseUrl: fake.url,
    polling: { intervalMs: 500, polls: 10, sleep: async (ms) => void sleeps.push(ms) },
    ...(backends ? { backends } : {}),
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

  it("finds each side by the backend the stack declares, whatever order the map lists them in", async () => {
    const { fake, api } = await setUp(30);
    fake.listsCanaryFirst = true;
    expect(await api.servedCanaryWeight()).toBe(30);
    await api.setCanaryWeight(0);
    expect(fake.weights).toEqual([100, 0]);
    expect(await api.servedCanaryWeight()).toBe(0);
  });

  it("refuses a map whose backends are not the ones the stack declares, before patching", async () => {
    const { fake, api } = await setUp(30, 2, { stable: "other-stable", canary: DECLARED.canary });
    await expect(api.setCanaryWeight(0)).rejects.toThrow(
      /lists prod-lb-stable-backend and prod-lb-canary-backend, not the stable backend other-stable/,
    );
    expect(fake.log.filter((call) => call.startsWith("PATCH"))).toHaveLength(0);
  });

  it("without the stack's names, sides are by position (stable first)", async () => {
    const { fake, api } = await setUp(30, 2, undefined);
    await api.setCanaryWeight(10);
    expect(fake.weights).toEqual([90, 10]);
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

describe("weightedUrlMap: the split's map and its backends from the stack's state", () => {
  const stateWith = (backends: string[]) => ({
    name: "prod",
    exportStack: async () => ({
      version: 3,
      deployment: {
        resources: [
          {
            type: "gcp:compute/uRLMap:URLMap",
            outputs: { name: "prod-lb-http-redirect-9f", defaultUrlRedirect: {} },
          },
          {
            type: "gcp:compute/uRLMap:URLMap",
            outputs: {
              name: "prod-lb-split-1a2b3c",
              defaultRouteAction: {
                weightedBackendServices: backends.map((b, i) => ({
                  backendService: `projects/internal-ai-innovation/global/backendServices/${b}`,
                  weight: i === 0 ? 100 : 0,
                })),
              },
            },
          },
        ],
      },
    }),
  });

  it("names stable and canary in the order the stack declares them", async () => {
    const found = await weightedUrlMap(stateWith(["prod-lb-stable-backend-77", "prod-lb-canary-backend-88"]));
    expect(found).toEqual({
      name: "prod-lb-split-1a2b3c",
      backends: { stable: "prod-lb-stable-backend-77", canary: "prod-lb-canary-backend-88" },
    });
  });

  it("once stable is retired, the one backend left is the canary's", async () => {
    const found = await weightedUrlMap(stateWith(["prod-lb-canary-backend-88"]));
    expect(found.backends).toEqual({ canary: "prod-lb-canary-backend-88" });
  });
});
