import { EventEmitter, once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ManagedProcess, ProcessGroup } from "../../rehearsal/processes";
import { httpOk, waitFor } from "../../rehearsal/wait";
import type { StageConfig } from "../../src/config";
import { instantQuery } from "../../src/rollout/edges/metrics/prometheus-query";
import { recordPrometheusTrace } from "../../src/rollout/edges/metrics/prometheus-trace";
import { METRICS } from "../../src/signals";
import { prod } from "../rollout/fixtures";
import { freePorts } from "./fixtures";

/**
 * A trace recorded from a real Prometheus across the two things that break naive counting: the app
 * restarting (its counters go back to 0) and Prometheus itself stopping for a while (no scrapes:
 * a gap). The app serves 10 requests/s, one in ten a 5xx, as Cloud Run's request_count.
 */

const STEP = 2;
const RATE = 10;

interface Counters {
  ok: number;
  failed: number;
}

function metricsText(c: Counters): string {
  const labels = (klass: string) =>
    `monitored_resource="cloud_run_revision",service_name="ion-api",revision_name="canary-rev",response_code_class="${klass}"`;
  return `# TYPE ${METRICS.requestCount} counter\n${METRICS.requestCount}{${labels("2xx")}} ${c.ok}\n${METRICS.requestCount}{${labels("5xx")}} ${c.failed}\n`;
}

/** The app's events: "request" for each request it serves, "scrape" for each Prometheus scrape. */
const events = new EventEmitter();
const seen = { request: 0, scrape: 0 };

function appEvent(event: keyof typeof seen): void {
  seen[event]++;
  events.emit(event);
}

/** The epoch ms of every sample Prometheus stored from the app up to `at`: the truth about gaps. */
async function sampleTimes(promPort: number, at: number): Promise<number[]> {
  const query = encodeURIComponent('up{job="app"}[5m]');
  const response = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${query}&time=${at / 1000}`);
  const body = (await response.json()) as { data: { result: { values: [number, string][] }[] } };
  return body.data.result.flatMap((series) => series.values.map(([ts]) => Math.round(ts * 1000)));
}

/** Resolves after `count` more of the app's `event`s: the test waits on what the trace measures. */
async function untilApp(event: keyof typeof seen, count: number): Promise<void> {
  const target = seen[event] + count;
  while (seen[event] < target) await once(events, event);
}

describe("ion-rollout trace over an app restart and a Prometheus restart (real Prometheus)", () => {
  const workDir = mkdtempSync(join(tmpdir(), "ion-trace-restart-"));
  const group = new ProcessGroup();
  const counters: Counters = { ok: 0, failed: 0 };
  let app: Server;
  let ticker: NodeJS.Timeout;
  let promPort = 0;
  const marks: Record<string, number> = {};

  async function startPrometheus(): Promise<ManagedProcess> {
    const prometheus = group.start(
      "prometheus",
      "prometheus",
      [
        `--config.file=${join(workDir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(workDir, "data")}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        "--log.level=warn",
      ],
      { cwd: workDir, logFile: join(workDir, "prometheus.log") },
    );
    await waitFor(() => httpOk(`http://127.0.0.1:${promPort}/-/ready`), {
      what: "Prometheus ready",
      timeoutMs: 20_000,
      process: prometheus,
      intervalMs: 100,
    });
    // Scraping starts a few seconds after ready (target discovery); wait for a fresh sample, not
    // the last one before a restart, which stays visible for the lookback.
    const age = () =>
      instantQuery({
        url: `http://127.0.0.1:${promPort}/api/v1/query`,
        query: 'time() - timestamp(up{job="app"})',
        time: Date.now() / 1000,
        fetch: globalThis.fetch,
        timeoutMs: 1_000,
      }).catch(() => null);
    await waitFor(async () => ((await age()) ?? 99) < 1.2 || undefined, {
      what: "a fresh scrape of the app",
      timeoutMs: 20_000,
      process: prometheus,
      intervalMs: 200,
    });
    return prometheus;
  }

  beforeAll(async () => {
    let n = 0;
    ticker = setInterval(() => {
      n++;
      if (n % 10 === 0) counters.failed++;
      else counters.ok++;
      appEvent("request");
    }, 1000 / RATE);
    app = createServer((_req, res) => {
      res.end(metricsText(counters));
      appEvent("scrape");
    });
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    const appPort = (app.address() as AddressInfo).port;
    [promPort] = (await freePorts(1)) as [number];
    writeFileSync(
      join(workDir, "prometheus.yml"),
      `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: app\n    honor_labels: true\n    static_configs: [{ targets: ["127.0.0.1:${appPort}"] }]\n`,
    );
    let prometheus = await startPrometheus();
    // Checks start between two scrapes, so no window boundary falls on a sample.
    await untilApp("scrape", 1);
    const previous = Date.now();
    await untilApp("scrape", 1);
    marks.from = Math.round((previous + Date.now()) / 2);
    // A few windows (checks every STEP s from `from`) before the reset; one of them straddles it.
    await untilApp("scrape", 7);
    // The app restarts: its counters start again from zero.
    counters.ok = 0;
    counters.failed = 0;
    marks.appRestart = Date.now();
    await untilApp("scrape", 3);
    await prometheus.stop();
    // Prometheus is down: the app keeps serving (4 s of requests) and nothing scrapes it.
    await untilApp("request", 4 * RATE);
    prometheus = await startPrometheus();
    marks.promUp = Date.now();
    await untilApp("scrape", 5);
    marks.to = Date.now() - 500;
  }, 60_000);

  afterAll(async () => {
    clearInterval(ticker);
    await group.stopAll();
    await new Promise((resolve) => app?.close(resolve));
    rmSync(workDir, { recursive: true, force: true });
  });

  it("records whole counts across the app's counter reset, and nulls (not zeros) while Prometheus was down", async () => {
    const base = prod();
    const cfg: StageConfig = {
      ...base,
      releases: {
        // As `ion-rollout trace --canary/--stable` sets them: the revisions Cloud Run labels.
        stable: { ...base.releases.stable, name: "stable-rev", revision: "stable-rev" },
        canary: { ...base.releases.canary, name: "canary-rev", revision: "canary-rev" },
      },
    };
    const from = marks.from as number;
    const recorded = await recordPrometheusTrace({
      baseUrl: `http://127.0.0.1:${promPort}`,
      cfg,
      range: { fromMs: from, toMs: marks.to as number, stepSeconds: STEP },
    });
    const requests = recorded.series.canary.requests ?? [];
    const errors = recorded.series.canary.errors ?? [];
    const rows = recorded.checkTimesMs.map((t, i) => ({ t, requests: requests[i], errors: errors[i] }));
    // Each check covers the STEP s before it. A window with no sample (Prometheus was down) must
    // read as no data; one with two samples or more has an increase.
    const samples = await sampleTimes(promPort, marks.to as number);
    const samplesIn = (r: { t: number }, margin: number) =>
      samples.filter((at) => at > r.t - STEP * 1000 + margin && at < r.t - margin).length;
    const down = rows.filter((r) => samplesIn(r, -5) === 0);
    const covered = rows.filter((r) => samplesIn(r, 5) >= 2);
    expect(down.length).toBeGreaterThanOrEqual(2);
    for (const r of down) expect(r).toMatchObject({ requests: null });
    // The raw errors query answers 0 there (`or vector(0)`); the trace keeps the gap instead.
    const { buildTrace } = await import("../../src/rollout/core/trace/build");
    const trace = buildTrace({
      checkAtSeconds: rows.map((r) => (r.t - from) / 1000),
      series: recorded.series,
      source: { kind: "prometheus", stage: "prod", canary: "canary-rev", stable: "stable-rev" },
    });
    for (const r of down) expect(trace.checks[rows.indexOf(r)]?.canary?.errors).toBeNull();

    // Every window with two scrapes: about RATE x STEP requests, including the window over the
    // app's restart (increase() treats the drop to zero as a reset, not as minus thousands).
    expect(covered.length).toBeGreaterThanOrEqual(4);
    for (const r of covered) {
      expect(r.requests).toBeGreaterThanOrEqual(RATE * STEP * 0.4);
      expect(r.requests).toBeLessThanOrEqual(RATE * STEP * 1.8);
    }
    const measured = rows.filter((r) => r.requests !== null && r.requests !== undefined);
    for (const r of measured) expect(r.requests).toBeLessThanOrEqual(RATE * STEP * 1.8);
    const overReset = measured.find(
      (r) => r.t > (marks.appRestart as number) && r.t - STEP * 1000 < (marks.appRestart as number),
    );
    expect(overReset).toBeDefined();
    // And after Prometheus came back the series continue.
    expect(measured.some((r) => r.t > (marks.promUp as number) + STEP * 1000)).toBe(true);
  });
});
