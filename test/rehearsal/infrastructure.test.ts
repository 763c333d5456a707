import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appStats, setFaults } from "../../rehearsal/apps";
import { type Environment, startEnvironment } from "../../rehearsal/environment";
import { startLoad } from "../../rehearsal/load";
import { queryNow } from "../../rehearsal/prometheus";
import { waitFor } from "../../rehearsal/wait";
import { PrometheusMetricsSource } from "../../src/rollout/edges/metrics/prometheus";
import { instantQuery } from "../../src/rollout/edges/metrics/prometheus-query";
import { sideQueries } from "../../src/signals";
import { PROJECT_DIR, type TestStage, testStage } from "./fixtures";

/**
 * The rehearsal's parts, for real: HAProxy splits requests by the weights the driver sets through
 * the runtime API, Prometheus scrapes the apps' Cloud-Run-named metrics, and the signals module's
 * PromQL (the prod queries) reads back the faults injected into the canary.
 */
let stage: TestStage;
let env: Environment;

beforeAll(async () => {
  stage = await testStage();
  env = await startEnvironment({
    cfg: stage.cfg,
    workDir: stage.workDir,
    projectDir: PROJECT_DIR,
    previousCanary: stage.cfg.releases.canary,
  });
}, 60_000);

afterAll(async () => {
  await env?.stop();
  stage?.cleanup();
});

async function servedBy(requests: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < requests; i++) {
    const response = await fetch(`${env.layout.frontendUrl}/split`);
    await response.arrayBuffer();
    const revision = response.headers.get("x-revision") ?? "none";
    counts[revision] = (counts[revision] ?? 0) + 1;
  }
  return counts;
}

describe("HAProxy weights through the runtime API", () => {
  it.each([0, 10, 25, 50, 100])("serves %i%% of requests from the canary", async (weight) => {
    await env.driver.apply({
      canaryWeight: weight,
      releases: stage.cfg.releases,
      rolloutInProgress: true,
      reason: `test ${weight}%`,
    });
    expect(await env.driver.currentCanaryWeight()).toBe(weight);
    const requests = 400;
    const counts = await servedBy(requests);
    const canary = counts[stage.cfg.releases.canary.name] ?? 0;
    const stable = counts[stage.cfg.releases.stable.name] ?? 0;
    expect(canary + stable).toBe(requests);
    // The split is weighted random per request (as Cloud Run's is): within 4 standard deviations.
    const p = weight / 100;
    const sd = Math.sqrt(requests * p * (1 - p));
    expect(Math.abs(canary - requests * p)).toBeLessThanOrEqual(4 * sd + 1);
  });

  it("refuses a weight outside 0..100 and leaves the split alone", async () => {
    await env.driver.apply({
      canaryWeight: 10,
      releases: stage.cfg.releases,
      rolloutInProgress: true,
      reason: "t",
    });
    await expect(
      env.driver.apply({
        canaryWeight: 120,
        releases: stage.cfg.releases,
        rolloutInProgress: true,
        reason: "t",
      }),
    ).rejects.toThrow(/0\.\.100/);
    expect(await env.driver.currentCanaryWeight()).toBe(10);
  });
});

describe("Prometheus and the prod PromQL", () => {
  it("scrapes both revisions with Cloud Run's labels", async () => {
    for (const release of [stage.cfg.releases.stable, stage.cfg.releases.canary]) {
      const series = `run_googleapis_com:request_count{monitored_resource="cloud_run_revision",service_name="${stage.cfg.service.name}",revision_name="${release.name}",response_code_class="2xx"}`;
      expect(await queryNow(env.layout, `count(${series})`)).toBe(1);
    }
  });

  it("reads the injected error rate, latency and memory back through sideQueries and the metrics source", async () => {
    await env.driver.apply({
      canaryWeight: 50,
      releases: stage.cfg.releases,
      rolloutInProgress: true,
      reason: "t",
    });
    await setFaults(env.sides.canary, { errorRate: 0.2, addedLatencyMs: 600, memory: 0.9 });
    const faultsFrom = Date.now() / 1000;
    const load = startLoad({
      url: `${env.layout.frontendUrl}/load`,
      requestsPerSecond: 100,
      connections: 20,
    });
    try {
      // Until Prometheus holds one full window of the faulty canary where the source reads it (its
      // windows end the ingestion delay before now): the latest scrape of the canary (Prometheus's
      // own timestamp) lies the delay, a window and a scrape after the faults were set.
      const window = stage.cfg.rollout.checkIntervalSeconds + stage.cfg.rollout.ingestionDelaySeconds;
      const scrape = stage.cfg.local?.scrapeIntervalSeconds ?? 1;
      const canarySeries = `run_googleapis_com:request_count{service_name="${stage.cfg.service.name}",revision_name="${stage.cfg.releases.canary.name}"}`;
      const lastScrape = `max(timestamp(${canarySeries}))`;
      await waitFor(
        async () => {
          const last = await queryNow(env.layout, lastScrape);
          return last !== null && last >= faultsFrom + window + scrape ? last : undefined;
        },
        { what: "a full window of scrapes after the faults", timeoutMs: 50_000 },
      );
      const canary = sideQueries(stage.cfg, "canary");
      const stable = sideQueries(stage.cfg, "stable");
      const errorRate = await queryNow(env.layout, canary.errorRate);
      expect(errorRate).toBeGreaterThan(0.15);
      expect(errorRate).toBeLessThan(0.25);
      expect(await queryNow(env.layout, stable.errorRate)).toBe(0);
      // 600 ms lands in the (500, 750] ms bucket (the next one if the machine stalls); stable answers in a few ms.
      const p95 = await queryNow(env.layout, canary.p95LatencyMs);
      expect(p95).toBeGreaterThan(500);
      expect(p95).toBeLessThanOrEqual(1000);
      expect(await queryNow(env.layout, stable.p95LatencyMs)).toBeLessThan(100);
      const memory = await queryNow(env.layout, canary.memory);
      expect(memory).toBeGreaterThan(0.85);
      expect(memory).toBeLessThanOrEqual(0.9);

      const sample = await new PrometheusMetricsSource({
        baseUrl: env.layout.prometheusUrl,
        cfg: stage.cfg,
      }).sample();
      expect(sample.errors).toEqual([]);
      const { requests, errors, p95LatencyMs, sampleAgeSeconds } = sample.canary;
      expect(requests).toBeGreaterThan(50);
      expect((errors ?? 0) / (requests ?? 1)).toBeGreaterThan(0.15);
      expect((errors ?? 0) / (requests ?? 1)).toBeLessThan(0.25);
      expect(p95LatencyMs).toBeGreaterThan(500);
      // Its freshness is the age of Prometheus's latest canary scrape at the sample's instant.
      const scrapedAt = await instantQuery({
        url: `${env.layout.prometheusUrl}/api/v1/query`,
        query: lastScrape,
        time: sample.at / 1000,
        fetch: globalThis.fetch,
        timeoutMs: 10_000,
      });
      expect(scrapedAt).not.toBeNull();
      expect(sampleAgeSeconds).toBeCloseTo(sample.at / 1000 - (scrapedAt ?? 0), 3);
      expect(sampleAgeSeconds).toBeGreaterThanOrEqual(0);
      expect(sample.stable.errors).toBe(0);
    } finally {
      await load.stop();
      await setFaults(env.sides.canary, { errorRate: 0, addedLatencyMs: 0, memory: null });
    }
    // The app's own counts agree that the canary answered with errors.
    expect((await appStats(env.sides.canary)).responses["5xx"]).toBeGreaterThan(0);
  });
});
