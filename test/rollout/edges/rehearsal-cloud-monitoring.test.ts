import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Counter, Histogram, ProcessStartTime, renderExposition } from "../../../rehearsal/app/metrics";
import { AppSampler } from "../../../rehearsal/cloud-monitoring/app-sampler";
import { DeltaPointStore } from "../../../rehearsal/cloud-monitoring/delta-store";
import { monitoringServer } from "../../../rehearsal/cloud-monitoring/server";
import { parseStageConfig, readStageFile } from "../../../src/config";
import { type CounterLedger, foldCounters } from "../../../src/rollout/core/sample/ledger";
import type { CounterSnapshot } from "../../../src/rollout/core/sample/sample";
import { CloudMonitoringCounters } from "../../../src/rollout/edges/metrics/cloud-monitoring-counters";
import { sideLabels } from "../../../src/signals";
import { sendJson, startLocalHttp } from "./local-http";

/**
 * The rehearsal's Cloud Monitoring over HTTP, fed from app counters rendered by the rehearsal
 * app's own metric classes, read by prod's CloudMonitoringCounters with the stage file's settings:
 * every request an app counted is counted once, a period is judged only once visible, a late one
 * when it arrives, and a restarted process (new start time) loses nothing.
 */

const PROJECT_DIR = join(__dirname, "..", "..", "..");
const cfg = parseStageConfig(
  "rehearsal",
  readStageFile("rehearsal", join(PROJECT_DIR, "Pulumi.rehearsal.yaml")).raw,
  "Pulumi.rehearsal.yaml",
);
const PERIOD = 1000;
const T0 = 1_800_000_000_000; // on a period boundary

/** One app process's counters, as rehearsal/app renders them. */
function appProcess(revision: string, startedAtSeconds: number) {
  const resource = {
    monitored_resource: "cloud_run_revision",
    service_name: cfg.service.name,
    revision_name: revision,
  };
  const count = new Counter("run_googleapis_com:request_count", "", resource, "response_code_class", [
    "2xx",
    "5xx",
  ]);
  const latency = new Histogram("run_googleapis_com:request_latencies", "", resource, [100, 500, 1000]);
  const start = new ProcessStartTime(resource, startedAtSeconds);
  return {
    serve(status: number, latencyMs: number) {
      count.inc(`${Math.floor(status / 100)}xx`);
      latency.observe(latencyMs);
    },
    render: () => renderExposition([count, latency, start]),
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function setup(visibleAfterMs: number) {
  const clock = { now: T0 };
  const revision = sideLabels(cfg, "canary").revision_name as string;
  const app = { current: appProcess(revision, 1), down: false };
  const http = await startLocalHttp((_request, response) => {
    if (app.down) return sendJson(response, 503, {});
    response.writeHead(200, { "content-type": "text/plain" });
    response.end(app.current.render());
  });
  closers.push(http.close);
  const store = new DeltaPointStore(PERIOD);
  const sampler = new AppSampler({ store, targets: [`${http.url}/metrics`], visibleAfterMs });
  const server = monitoringServer(store, "rehearsal", () => clock.now);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  const monitoring = cfg.local?.cloudMonitoring;
  const counters = new CloudMonitoringCounters({
    cfg,
    project: "rehearsal",
    apiRoot: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`,
    periodSeconds: monitoring?.samplingPeriodSeconds ?? 1,
  });
  return { clock, app, sampler, counters };
}

async function read(counters: CloudMonitoringCounters, at: number, countedUntil?: number) {
  const errors: string[] = [];
  const snapshot = await counters.read({
    at,
    context: { since: T0, ...(countedUntil === undefined ? {} : { countedUntil }) },
    token: undefined,
    signal: new AbortController().signal,
    outer: undefined,
    errors,
    queries: {},
  });
  expect(errors).toEqual([]);
  return snapshot as CounterSnapshot;
}

describe("the rehearsal's Cloud Monitoring, read by prod's counter reader", () => {
  it("the stage file states a sampling period, a visibility delay and a runner delay", () => {
    expect(cfg.local?.cloudMonitoring).toMatchObject({ samplingPeriodSeconds: 1, visibleAfterSeconds: 2 });
    expect(cfg.rollout.ingestionDelaySeconds).toBeGreaterThanOrEqual(
      cfg.local?.cloudMonitoring?.visibleAfterSeconds ?? 0,
    );
  });

  it("counts every request the app counted once: late points when they arrive, a failed scrape's in the next period, a restart from 0", async () => {
    // Points visible 4 s after their period, later than the runner's 3 s delay.
    const { clock, app, sampler, counters } = await setup(4000);
    const served = { requests: 0, errors: 0, slow: 0 };
    const serve = (n: number, status: number, latencyMs: number) => {
      for (let i = 0; i < n; i++) app.current.serve(status, latencyMs);
      served.requests += n;
      if (status >= 500) served.errors += n;
      if (latencyMs > 500) served.slow += n;
    };
    let ledger: CounterLedger | null = null;
    const counted = { requests: 0, errors: 0, slow: 0 };
    for (let k = 0; k < 12; k++) {
      // Restarted right after a sample (what a process serves after its last sample dies with it).
      if (k === 7) app.current = appProcess(sideLabels(cfg, "canary").revision_name as string, 2);
      serve(7, 200, 30);
      serve(k % 3, 503, 40);
      serve(k % 2, 200, 700);
      if (k === 4) app.down = true; // a scrape that fails: period 4's requests go to period 5
      if (k === 5) app.down = false;
      if (k === 7) serve(5, 200, 30);
      await sampler.sampleAt(T0 + (k + 1) * PERIOD);
      clock.now = T0 + (k + 1) * PERIOD + 500;
      const snapshot = await read(counters, clock.now, ledger?.at);
      const folded = foldCounters(ledger, snapshot);
      ledger = folded.ledger;
      counted.requests += folded.deltas.canary.requests ?? 0;
      counted.errors += folded.deltas.canary.errors ?? 0;
      counted.slow += (folded.deltas.canary.latencyCount ?? 0) - (folded.deltas.canary.latencyFast ?? 0);
      // Nothing is counted before it is visible: a period ends 4 s before it shows.
      expect(counted.requests).toBeLessThanOrEqual(served.requests);
    }
    expect(counted.requests).toBeLessThan(served.requests); // the last periods are not visible yet
    // Past the delay, every period is visible and counted, none twice.
    clock.now += 10 * PERIOD;
    const folded = foldCounters(ledger, await read(counters, clock.now, ledger?.at));
    counted.requests += folded.deltas.canary.requests ?? 0;
    counted.errors += folded.deltas.canary.errors ?? 0;
    counted.slow += (folded.deltas.canary.latencyCount ?? 0) - (folded.deltas.canary.latencyFast ?? 0);
    expect(counted).toEqual(served);
  });
});
