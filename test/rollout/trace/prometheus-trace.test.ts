import { afterEach, describe, expect, it } from "vitest";
import { buildTrace } from "../../../src/rollout/core/trace/build";
import { parseTrace } from "../../../src/rollout/core/trace/format";
import { recordPrometheusTrace } from "../../../src/rollout/edges/metrics/prometheus-trace";
import type { LocalHttp } from "../edges/local-http";
import { prod } from "../fixtures";
import { fakePrometheus } from "./fake-prometheus";

const cfg = prod();
const FROM = Date.UTC(2026, 10, 23, 9, 0, 0);
const range = { fromMs: FROM, toMs: FROM + 5 * 60_000, stepSeconds: 60 };
const servers: LocalHttp[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const minute = (t: number) => (t - FROM) / 60_000;

describe("recordPrometheusTrace (query_range against a local Prometheus API)", () => {
  it("evaluates the runner's own queries at every check time; a missing sample is a gap (null)", async () => {
    const server = await fakePrometheus(cfg, 60, (side, signal, t) => {
      if (side === "canary" && signal === "requests") return minute(t) === 3 ? undefined : "300.4";
      if (side === "canary" && signal === "errors") return minute(t) === 2 ? "6" : "0";
      if (signal === "slow") return side === "canary" ? "12.6" : "0";
      if (signal === "p95LatencyMs") return "NaN";
      return side === "stable" ? "5700" : "0.4";
    });
    servers.push(server);
    const recorded = await recordPrometheusTrace({ baseUrl: server.url, cfg, range });
    expect(recorded.checkTimesMs.map(minute)).toEqual([1, 2, 3, 4, 5]);
    expect(recorded.series.canary.requests).toEqual([300.4, 300.4, null, 300.4, 300.4]);
    expect(recorded.series.canary.errors).toEqual([0, 6, 0, 0, 0]);
    // NaN is Prometheus' 0/0: no data, never zero.
    expect(recorded.series.canary.p95Ms).toEqual([null, null, null, null, null]);
    expect(recorded.series.stable.requests).toEqual([5700, 5700, 5700, 5700, 5700]);
    // The slow-request count (the P95 limit's histogram buckets) is recorded per side; the trace
    // carries it as whole requests, stable's 0 as 0, and null where the request count is a gap.
    expect(recorded.series.canary.slow).toEqual([12.6, 12.6, 12.6, 12.6, 12.6]);
    expect(recorded.series.stable.slow).toEqual([0, 0, 0, 0, 0]);
    const trace = buildTrace({
      checkAtSeconds: [60, 120, 180, 240, 300],
      series: recorded.series,
      source: { kind: "prometheus", stage: "prod", canary: "c", stable: "s" },
    });
    expect(trace.checks.map((c) => c.canary?.slow)).toEqual([13, 13, null, 13, 13]);
    expect(trace.checks.map((c) => c.stable?.slow)).toEqual([0, 0, 0, 0, 0]);
    expect(parseTrace(trace)[0]?.canary.slow).toBe(13);
    expect(recorded.description).toBe(`Prometheus API ${server.url}/`);
  });

  it("splits long ranges into requests of pointsPerRequest and reports progress to the last query", async () => {
    const server = await fakePrometheus(cfg, 60, () => "1");
    servers.push(server);
    const seen: [number, number][] = [];
    const recorded = await recordPrometheusTrace({
      baseUrl: server.url,
      cfg,
      range,
      pointsPerRequest: 2,
      onProgress: (done, total) => seen.push([done, total]),
    });
    // 7 queries per side per chunk (requests, errors, slow, P95, memory, CPU, sample age): the
    // slow-request count joined the six; 5 check times in chunks of 2 are 3 chunks.
    const queriesPerChunk = 2 * 7;
    expect(server.received).toHaveLength(3 * queriesPerChunk);
    expect(seen.at(-1)).toEqual([42, 42]);
    expect(recorded.series.canary.requests).toEqual([1, 1, 1, 1, 1]);
    const starts = new Set(server.received.map((r) => new URLSearchParams(r.body).get("start")));
    expect([...starts].map((s) => minute(Number(s) * 1000)).sort()).toEqual([1, 3, 5]);
  });

  it("a query Prometheus rejects fails the recording, naming the side and signal", async () => {
    const server = await fakePrometheus(
      cfg,
      60,
      () => "1",
      (signal) =>
        signal === "memory"
          ? { status: 422, body: { status: "error", errorType: "execution", error: "too many samples" } }
          : undefined,
    );
    servers.push(server);
    await expect(recordPrometheusTrace({ baseUrl: server.url, cfg, range })).rejects.toThrow(
      /(canary|stable) memory: query rejected \(execution\): too many samples/,
    );
  });

  it("refuses an answer with several series: the query would mix sides", async () => {
    const series = { metric: {}, values: [[FROM / 1000 + 60, "1"]] };
    const server = await fakePrometheus(
      cfg,
      60,
      () => "1",
      () => ({
        status: 200,
        body: { status: "success", data: { resultType: "matrix", result: [series, series] } },
      }),
    );
    servers.push(server);
    await expect(recordPrometheusTrace({ baseUrl: server.url, cfg, range })).rejects.toThrow(
      /must aggregate/,
    );
  });
});
