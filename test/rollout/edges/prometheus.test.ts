import { afterEach, describe, expect, it } from "vitest";
import { loadStageConfig } from "../../../src/config";
import { PROMETHEUS_SIGNALS, PrometheusMetricsSource } from "../../../src/rollout/edges/metrics/prometheus";
import { parseSampleValue } from "../../../src/rollout/edges/metrics/prometheus-query";
import { sideQueries } from "../../../src/signals";
import { type LocalHttp, type ReceivedRequest, sendJson, startLocalHttp } from "./local-http";

// Windowed queries only: these tests pin the per-check PromQL (`analysis: sequential` adds raw
// counter reads, tested below).
const prodCfg = loadStageConfig("prod");
const cfg = { ...prodCfg, rollout: { ...prodCfg.rollout, analysis: "consecutive" as const } };
const NOW = 1_790_000_000_000;
const servers: LocalHttp[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function vector(value: string) {
  return {
    status: "success",
    data: { resultType: "vector", result: [{ metric: {}, value: [NOW / 1000, value] }] },
  };
}
const EMPTY = { status: "success", data: { resultType: "vector", result: [] } };

function form(request: ReceivedRequest): URLSearchParams {
  return new URLSearchParams(request.body);
}

/** Which side and signal a received query is, by matching the signals module's exact text. */
function identify(query: string | null): { side: "canary" | "stable"; signal: string } | undefined {
  for (const side of ["canary", "stable"] as const) {
    const queries = sideQueries(cfg, side);
    for (const signal of PROMETHEUS_SIGNALS) if (queries[signal] === query) return { side, signal };
  }
  return undefined;
}

/**
 * Query timeouts that fire on an event instead of the wall clock: the source makes each query's
 * timeout signal right before its fetch, so the fetch pairs it with the query it guards.
 */
function eventTimeouts() {
  const byQuery = new Map<string, AbortController>();
  let latest: AbortController | undefined;
  return {
    timeoutSignal: () => {
      latest = new AbortController();
      return latest.signal;
    },
    fetch: ((url: string, init?: RequestInit) => {
      const query = new URLSearchParams(String(init?.body ?? "")).get("query");
      if (latest && query) byQuery.set(query, latest);
      return fetch(url, init);
    }) as typeof fetch,
    fire: (query: string) =>
      byQuery.get(query)?.abort(new DOMException("The operation timed out.", "TimeoutError")),
  };
}

type Answer = (id: { side: string; signal: string }) => { status: number; body: unknown } | "hang";

async function prometheus(answer: Answer): Promise<LocalHttp> {
  const server = await startLocalHttp((request, response) => {
    const id = identify(form(request).get("query"));
    if (request.path !== "/api/v1/query" || !id) {
      sendJson(response, 400, { status: "error", errorType: "bad_data", error: "unknown query" });
      return;
    }
    const result = answer(id);
    if (result === "hang") return;
    sendJson(response, result.status, result.body);
  });
  servers.push(server);
  return server;
}

const VALUES: Record<string, Record<string, string>> = {
  canary: {
    requests: "15",
    errors: "1",
    slow: "1",
    p95LatencyMs: "180.5",
    memory: "0.42",
    cpu: "0.3",
    sampleAgeSeconds: "4",
  },
  stable: {
    requests: "285",
    errors: "0",
    slow: "0",
    p95LatencyMs: "110",
    memory: "0.4",
    cpu: "0.28",
    sampleAgeSeconds: "3",
  },
};

describe("PrometheusMetricsSource", () => {
  it("sends exactly the signals module's PromQL for both sides, values past the ingestion delay, and parses the vectors", async () => {
    const server = await prometheus(({ side, signal }) => ({
      status: 200,
      body: vector(VALUES[side]?.[signal] ?? "x"),
    }));
    const source = new PrometheusMetricsSource({ baseUrl: `${server.url}/`, cfg, now: () => NOW });
    const sample = await source.sample();

    expect(sample.errors).toEqual([]);
    expect(sample.at).toBe(NOW);
    expect(sample.canary).toEqual({
      requests: 15,
      errors: 1,
      slow: 1,
      p95LatencyMs: 180.5,
      memory: 0.42,
      cpu: 0.3,
      sampleAgeSeconds: 4,
    });
    expect(sample.stable).toEqual({
      requests: 285,
      errors: 0,
      slow: 0,
      p95LatencyMs: 110,
      memory: 0.4,
      cpu: 0.28,
      sampleAgeSeconds: 3,
    });

    const expected = [
      ...Object.values(pick(sideQueries(cfg, "canary"))),
      ...Object.values(pick(sideQueries(cfg, "stable"))),
    ].sort();
    expect(server.received.map((r) => form(r).get("query")).sort()).toEqual(expected);
    expect(new Set(server.received.map((r) => r.method))).toEqual(new Set(["POST"]));
    // The windows end where the data is whole (prod: 240 s back, Cloud Monitoring's visibility
    // delay); the newest sample's age is measured from now.
    const judgedAt = ((NOW - cfg.rollout.ingestionDelaySeconds * 1000) / 1000).toFixed(3);
    const timeOf = (query: string) =>
      new Set(server.received.filter((r) => form(r).get("query") === query).map((r) => form(r).get("time")));
    for (const side of ["canary", "stable"] as const) {
      const { sampleAgeSeconds, ...values } = pick(sideQueries(cfg, side));
      expect(timeOf(sampleAgeSeconds as string)).toEqual(new Set([(NOW / 1000).toFixed(3)]));
      for (const query of Object.values(values)) expect(timeOf(query)).toEqual(new Set([judgedAt]));
    }
    expect(cfg.rollout.ingestionDelaySeconds).toBe(240);
    expect(server.received.every((r) => r.headers.authorization === undefined)).toBe(true);

    expect(sample.queries.p95LatencyMs).toBe(sideQueries(cfg, "canary").p95LatencyMs);
    expect(sample.queries["stable.requests"]).toBe(sideQueries(cfg, "stable").requests);
    expect(Object.keys(sample.queries)).toHaveLength(2 * PROMETHEUS_SIGNALS.length);
  });

  it("turns an empty vector and NaN into null (no data), not zero and not an error", async () => {
    const server = await prometheus(({ side, signal }) => {
      if (side === "canary" && signal === "p95LatencyMs") return { status: 200, body: vector("NaN") };
      if (side === "canary" && signal === "memory") return { status: 200, body: EMPTY };
      return { status: 200, body: vector("1") };
    });
    const sample = await new PrometheusMetricsSource({ baseUrl: server.url, cfg }).sample();
    expect(sample.errors).toEqual([]);
    expect(sample.canary.p95LatencyMs).toBeNull();
    expect(sample.canary.memory).toBeNull();
    expect(sample.canary.requests).toBe(1);
    expect(sample.stable.p95LatencyMs).toBe(1);
  });

  it("records HTTP 500 and API errors per query and leaves those values null", async () => {
    const server = await prometheus(({ side, signal }) => {
      if (side === "canary" && signal === "errors") return { status: 500, body: "upstream exploded" };
      if (side === "stable" && signal === "cpu") {
        return { status: 422, body: { status: "error", errorType: "execution", error: "too many samples" } };
      }
      return { status: 200, body: vector("2") };
    });
    const sample = await new PrometheusMetricsSource({ baseUrl: server.url, cfg }).sample();
    expect(sample.canary.errors).toBeNull();
    expect(sample.stable.cpu).toBeNull();
    expect(sample.canary.requests).toBe(2);
    expect(sample.errors).toHaveLength(2);
    expect(sample.errors[0]).toMatch(
      /^canary errors: HTTP 500 from http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query: /,
    );
    expect(sample.errors[0]).toContain("upstream exploded");
    expect(sample.errors[1]).toBe("stable cpu: query rejected (execution): too many samples");
  });

  it("records a query that does not answer in time as an error", async () => {
    const timeouts = eventTimeouts();
    const server = await prometheus(({ side, signal }) => {
      if (side !== "stable" || signal !== "requests") return { status: 200, body: vector("3") };
      // The server has the query and will never answer: its timeout fires now, not in 200 ms.
      timeouts.fire(sideQueries(cfg, "stable").requests);
      return "hang";
    });
    const sample = await new PrometheusMetricsSource({
      baseUrl: server.url,
      cfg,
      timeoutMs: 200,
      timeoutSignal: timeouts.timeoutSignal,
      fetch: timeouts.fetch,
    }).sample();
    expect(sample.stable.requests).toBeNull();
    expect(sample.stable.errors).toBe(3);
    expect(sample.errors).toEqual([expect.stringMatching(/^stable requests: no answer within 200 ms from /)]);
  });

  it("records an unreachable server for every query, and the values are all null", async () => {
    const server = await prometheus(() => ({ status: 200, body: vector("1") }));
    const url = server.url;
    await servers.splice(0)[0]?.close();
    const sample = await new PrometheusMetricsSource({ baseUrl: url, cfg }).sample();
    expect(sample.errors).toHaveLength(2 * PROMETHEUS_SIGNALS.length);
    expect(sample.errors.every((e) => e.includes("unreachable"))).toBe(true);
    expect(Object.values(sample.canary).every((v) => v === null)).toBe(true);
    expect(Object.values(sample.stable).every((v) => v === null)).toBe(true);
  });

  it("rejects answers that are not one aggregated series", async () => {
    const server = await prometheus(({ signal }) =>
      signal === "requests"
        ? {
            status: 200,
            body: {
              status: "success",
              data: {
                resultType: "vector",
                result: [
                  { metric: { a: "1" }, value: [0, "1"] },
                  { metric: { a: "2" }, value: [0, "2"] },
                ],
              },
            },
          }
        : { status: 200, body: { status: "success", data: { resultType: "matrix", result: [] } } },
    );
    const sample = await new PrometheusMetricsSource({ baseUrl: server.url, cfg }).sample();
    expect(sample.errors).toContain("canary requests: expected one series, got 2; the query must aggregate");
    expect(sample.errors).toContain('canary cpu: expected an instant vector, got resultType "matrix"');
    expect(sample.canary.requests).toBeNull();
  });

  it("adds a bearer token from the injected provider to every request, asked once per sample", async () => {
    const server = await prometheus(() => ({ status: 200, body: vector("1") }));
    let asked = 0;
    const source = new PrometheusMetricsSource({
      baseUrl: server.url,
      cfg,
      auth: "google",
      token: async () => {
        asked++;
        return "ya29.test-token";
      },
    });
    const sample = await source.sample();
    expect(sample.errors).toEqual([]);
    expect(asked).toBe(1);
    expect(server.received).toHaveLength(2 * PROMETHEUS_SIGNALS.length);
    expect(server.received.every((r) => r.headers.authorization === "Bearer ya29.test-token")).toBe(true);
    expect(source.description).toContain("bearer auth");
    expect(source.description).not.toContain("ya29");
  });

  it("makes a credentials failure one error and sends nothing unauthenticated", async () => {
    const server = await prometheus(() => ({ status: 200, body: vector("1") }));
    const sample = await new PrometheusMetricsSource({
      baseUrl: server.url,
      cfg,
      token: async () => {
        throw new Error("could not load the default credentials");
      },
    }).sample();
    expect(server.received).toHaveLength(0);
    expect(sample.errors).toEqual([expect.stringContaining("could not load the default credentials")]);
    expect(sample.canary.requests).toBeNull();
    expect(Object.keys(sample.queries)).toHaveLength(2 * PROMETHEUS_SIGNALS.length);
  });

  it("rejects when the caller aborts, instead of reporting a sample", async () => {
    const controller = new AbortController();
    // The runner stops while the first query is at the server, which never answers.
    const server = await prometheus(() => {
      controller.abort(new Error("runner stopping"));
      return "hang";
    });
    const pending = new PrometheusMetricsSource({ baseUrl: server.url, cfg }).sample(controller.signal);
    await expect(pending).rejects.toThrow("runner stopping");
  });

  it("sends credentials in the base URL as basic auth and keeps them out of its description and errors", async () => {
    const server = await prometheus(({ signal }) =>
      signal === "cpu" ? { status: 500, body: "nope" } : { status: 200, body: vector("1") },
    );
    const baseUrl = server.url.replace("http://", "http://ion:hunter2@");
    const source = new PrometheusMetricsSource({ baseUrl, cfg });
    const sample = await source.sample();
    expect(server.received).toHaveLength(2 * PROMETHEUS_SIGNALS.length);
    const expected = `Basic ${Buffer.from("ion:hunter2").toString("base64")}`;
    expect(server.received.every((r) => r.headers.authorization === expected)).toBe(true);
    expect(sample.errors).toHaveLength(2);
    expect(`${source.description}\n${sample.errors.join("\n")}`).not.toContain("hunter2");
  });
});

describe("parseSampleValue", () => {
  it("reads Prometheus' special values", () => {
    expect(parseSampleValue("0.25")).toBe(0.25);
    expect(parseSampleValue("+Inf")).toBe(Number.POSITIVE_INFINITY);
    expect(parseSampleValue("-Inf")).toBe(Number.NEGATIVE_INFINITY);
    expect(parseSampleValue("NaN")).toBeNull();
    expect(() => parseSampleValue("abc")).toThrow(/not a number/);
    expect(() => parseSampleValue("")).toThrow(/not a number/);
  });
});

function pick(queries: ReturnType<typeof sideQueries>): Record<string, string> {
  return Object.fromEntries(PROMETHEUS_SIGNALS.map((signal) => [signal, queries[signal]]));
}

describe("PrometheusMetricsSource on a long rollout", () => {
  it("reports whole request and error counts (increase() extrapolates to fractions)", async () => {
    const server = await prometheus(({ signal }) => ({
      status: 200,
      body: vector(signal === "requests" ? "137.505" : signal === "errors" ? "2.49" : "0.5"),
    }));
    const source = new PrometheusMetricsSource({ baseUrl: server.url, cfg, now: () => NOW });
    const sample = await source.sample();
    expect(sample.canary.requests).toBe(138);
    expect(sample.canary.errors).toBe(2);
    expect(sample.canary.memory).toBe(0.5);
  });

  it("leaves no listener on the runner's signal after a sample, however many samples it takes", async () => {
    const server = await prometheus(() => ({ status: 200, body: vector("1") }));
    const source = new PrometheusMetricsSource({ baseUrl: server.url, cfg, now: () => NOW });
    const runner = new AbortController();
    let added = 0;
    let removed = 0;
    const add = runner.signal.addEventListener.bind(runner.signal);
    const remove = runner.signal.removeEventListener.bind(runner.signal);
    runner.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      added++;
      return add(...args);
    }) as typeof add;
    runner.signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      removed++;
      return remove(...args);
    }) as typeof remove;
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      for (let i = 0; i < 20; i++) await source.sample(runner.signal);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings).not.toContain("MaxListenersExceededWarning");
    expect(removed).toBe(added);
  });
});
