import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../bench/simulate";
import type { StageConfig } from "../../../src/config";
import { runRollout } from "../../../src/rollout/controller/runner";
import { backtest } from "../../../src/rollout/core/backtest/replay";
import { type CounterLedger, foldCounters } from "../../../src/rollout/core/sample/ledger";
import { parseTrace } from "../../../src/rollout/core/trace/format";
import { traceFromJournal } from "../../../src/rollout/core/trace/from-journal";
import { CLOUD_MONITORING_PROMQL } from "../../../src/rollout/edges/from-config";
import { CloudMonitoringCounters } from "../../../src/rollout/edges/metrics/cloud-monitoring-counters";
import { PrometheusMetricsSource } from "../../../src/rollout/edges/metrics/prometheus";
import { sideLabels } from "../../../src/signals";
import { readJournal } from "../../support/records";
import { fakeRun, T0 } from "../fakes";
import { prodWith } from "../fixtures";
import { FakeCloudMonitoring, SAMPLING_MS } from "./fake-cloud-monitoring";

const PROJECT = "ion-test";

function setup(
  ingestionDelaySeconds: number,
  seed = 7,
  analysis: "sequential" | "consecutive" = "sequential",
) {
  const cfg = prodWith({ rollout: { ingestionDelaySeconds, minRequestsPerStep: 0, analysis } });
  const clock = { now: T0 };
  const random = mulberry32(seed);
  // Every point visible 60-180 s after its period ends.
  const fake = new FakeCloudMonitoring(
    PROJECT,
    cfg.service.name,
    () => clock.now,
    () => 60_000 + random() * 120_000,
  );
  const revisions = {
    canary: sideLabels(cfg, "canary").revision_name as string,
    stable: sideLabels(cfg, "stable").revision_name as string,
  };
  return { cfg, clock, random, fake, revisions };
}

/** Requests of one revision (all classes, or 5xx) the fake recorded in periods [from, end). */
function recorded(
  fake: FakeCloudMonitoring,
  revision: string,
  from: number,
  end: number,
  only5xx = false,
): number {
  let sum = 0;
  for (const [key, n] of fake.recorded) {
    const [rev, codeClass, period] = key.split("|");
    if (
      rev === revision &&
      Number(period) >= from &&
      Number(period) < end &&
      (!only5xx || codeClass === "5xx")
    )
      sum += n;
  }
  return sum;
}

function reader(cfg: StageConfig, fake: FakeCloudMonitoring) {
  return new CloudMonitoringCounters({ cfg, project: PROJECT, fetch: fake.fetch });
}

async function read(counters: CloudMonitoringCounters, at: number, since: number, countedUntil?: number) {
  const errors: string[] = [];
  const snapshot = await counters.read({
    at,
    context: { since, ...(countedUntil === undefined ? {} : { countedUntil }) },
    token: "token",
    signal: new AbortController().signal,
    outer: undefined,
    errors,
    queries: {},
  });
  expect(errors).toEqual([]);
  if (!snapshot) throw new Error("no snapshot");
  return snapshot;
}

describe("Cloud Monitoring DELTA points, counted per aligned period", () => {
  for (const delay of [180, 60]) {
    it(`counts every judged period exactly, points 60-180 s late, ingestion delay ${delay} s, across a runner restart and a 4-minute gap in reads`, async () => {
      const { cfg, clock, random, fake, revisions } = setup(delay);
      let counters = reader(cfg, fake);
      let ledger: CounterLedger | null = null;
      const counted = { requests: 0, errors: 0 };
      const perPeriod = new Map<string, number>();
      let judgedEnd = T0;
      for (let minute = 0; minute < 20; minute++) {
        for (let s = 0; s < 60; s++) {
          const at = clock.now + s * 1000;
          for (let k = 0; k < 3; k++) {
            const failing = minute >= 2 && random() < 0.2;
            fake.record(revisions.canary, failing ? 503 : 200, 20 + random() * 900, at);
          }
        }
        clock.now += SAMPLING_MS;
        const snapshot = await read(counters, clock.now, T0, (ledger as CounterLedger | null)?.at);
        expect(snapshot.at).toBeLessThanOrEqual(clock.now - delay * 1000); // only periods past the delay
        const r = foldCounters(ledger, snapshot);
        ledger = r.ledger;
        counted.requests += r.deltas.canary.requests ?? 0;
        counted.errors += r.deltas.canary.errors ?? 0;
        for (const [key, value] of Object.entries(r.ledger.last)) {
          if (key.startsWith("canary|requests|")) perPeriod.set(key, value);
        }
        judgedEnd = snapshot.at;
        if (minute === 9) {
          // The runner restarts: a new reader, the ledger as its state file kept it.
          counters = reader(cfg, fake);
          ledger = JSON.parse(JSON.stringify(ledger)) as CounterLedger;
        }
      }
      // The last judged period is complete only when the delay covers the lateness; judge one
      // more read far enough on that every point of [T0, judgedEnd) is visible.
      clock.now += 4 * SAMPLING_MS;
      const late = foldCounters(
        ledger,
        await read(counters, clock.now, T0, (ledger as CounterLedger | null)?.at),
      );
      counted.requests += late.deltas.canary.requests ?? 0;
      counted.errors += late.deltas.canary.errors ?? 0;
      for (const [key, value] of Object.entries(late.ledger.last)) {
        if (key.startsWith("canary|requests|")) perPeriod.set(key, value);
      }
      const end = late.ledger.at;
      expect(end).toBeGreaterThan(judgedEnd);
      expect(counted.requests).toBe(recorded(fake, revisions.canary, T0, end));
      expect(counted.errors).toBe(recorded(fake, revisions.canary, T0, end, true));
      expect(counted.errors).toBeGreaterThan(0);
      // Per period: what the ledger took equals what the fake recorded.
      for (let period = T0; period < end; period += SAMPLING_MS) {
        let taken = 0;
        for (const [key, value] of perPeriod) if (key.endsWith(`|@${period}`)) taken += value;
        expect(taken, `period ${(period - T0) / 1000} s`).toBe(
          recorded(fake, revisions.canary, period, period + SAMPLING_MS),
        );
      }
    });
  }

  for (const analysis of ["sequential", "consecutive"] as const) {
    it(`${analysis} analysis: a canary failing 20% from its third minute, its points 60-180 s late, is reverted; the counts judged are the requests served`, async () => {
      const { cfg, clock, random, fake, revisions } = setup(180, 11, analysis);
      const counters = reader(cfg, fake);
      const run = fakeRun(cfg);
      const metrics = new PrometheusMetricsSource({
        baseUrl: CLOUD_MONITORING_PROMQL(PROJECT),
        cfg,
        token: async () => "token",
        fetch: fake.fetch,
        now: run.time.clock,
        counters,
      });
      let servedUntil = T0;
      let trafficFrom: number | undefined;
      run.time.onSleep = (now) => {
        clock.now = now;
        for (let at = servedUntil; at < now; at += 1000) {
          const weight = run.driver.weight ?? 0;
          if (weight > 0) trafficFrom ??= at;
          const failing = trafficFrom !== undefined && at - trafficFrom >= 2 * SAMPLING_MS;
          // 20 requests a second, the canary's share by its weight.
          for (let k = 0; k < 20; k++) {
            const toCanary = random() * 100 < weight;
            const revision = toCanary ? revisions.canary : revisions.stable;
            fake.record(revision, toCanary && failing && random() < 0.2 ? 500 : 200, 30 + random() * 100, at);
          }
        }
        servedUntil = Math.max(servedUntil, now);
        return undefined;
      };
      const result = await runRollout({ ...run.options, metrics, pollMs: 60_000 });
      expect(result.outcome).toBe("reverted");
      expect(run.driver.weights().at(-1)).toBe(0);
      const journal = await readJournal(run.options.stateDir, cfg.stage);
      const judged = journal.flatMap((r) => (r.measured?.deltas ? [r.measured.deltas.canary] : []));
      const requests = judged.reduce((sum, d) => sum + (d.requests ?? 0), 0);
      const errors = judged.reduce((sum, d) => sum + (d.errors ?? 0), 0);
      expect(errors).toBeGreaterThan(0);
      // Every request the canary served in a period the runner judged, once.
      const end = Math.floor((run.time.now - 180_000) / SAMPLING_MS) * SAMPLING_MS;
      expect(requests).toBe(recorded(fake, revisions.canary, T0, end));
      expect(errors).toBe(recorded(fake, revisions.canary, T0, end, true));
      // The journal replays to the live decisions: each check's counted periods are in its record.
      const trace = traceFromJournal(journal, { stage: cfg.stage, file: "journal" });
      const replay = backtest(cfg, parseTrace(trace), trace.startedAt);
      const live = journal.filter((r) => r.signals.length > 0).map((r) => `${r.verdict} ${r.action}`);
      expect(replay.decisions.map((d) => `${d.verdict} ${d.action}`)).toEqual(live);
    });
  }
});

describe("an incomplete timeSeries.list answer", () => {
  it.each([
    ["executionErrors", { executionErrors: [{ code: 13, message: "query partially failed" }] }],
    ["unreachable", { unreachable: ["us-central1"] }],
  ])("with %s is a failed read, never counts that would judge too few errors", async (_, incomplete) => {
    const { cfg, clock, fake, revisions } = setup(120);
    for (let s = 0; s < 600; s++) fake.record(revisions.canary, s % 5 === 0 ? 500 : 200, 50, T0 + s * 1000);
    clock.now = T0 + 900_000;
    const counters = reader(cfg, fake);
    fake.incomplete = incomplete;
    const errors: string[] = [];
    const snapshot = await counters.read({
      at: clock.now,
      context: { since: T0 },
      token: "token",
      signal: new AbortController().signal,
      outer: undefined,
      errors,
      queries: {},
    });
    expect(snapshot).toBeUndefined();
    expect(errors.join("\n")).toMatch(
      /incomplete answer from .*(execution errors: 13 query partially failed|unreachable: us-central1)/,
    );
    fake.incomplete = undefined;
    expect(await read(counters, clock.now, T0)).toBeDefined();
  });
});
