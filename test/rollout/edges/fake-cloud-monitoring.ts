import { DeltaPointStore } from "../../../rehearsal/cloud-monitoring/delta-store";

/**
 * A Cloud Monitoring fake for the edge tests: simulated Cloud Run requests recorded as DELTA
 * points (one per series per 60 s sampling period, the change during it), each visible only some
 * time after its period ends (`visibleAfterMs`, per point), listed by the same `timeSeries.list`
 * the rehearsal's Cloud Monitoring process serves (rehearsal/cloud-monitoring/delta-store.ts, the
 * rules quoted in docs/cloud-edges.md). It also answers Cloud Monitoring's PromQL endpoint with
 * healthy gauges (P95, memory, CPU, sample age): this fake is about counts.
 */

export const SAMPLING_MS = 60_000;
/** The fake's latency histogram layout: exponential, scale 1 ms, growth 2 (bounds 1, 2, 4, ... ms). */
const BUCKETS = { numFiniteBuckets: 16, growthFactor: 2, scale: 1 };

function bucketOf(latencyMs: number): number {
  if (latencyMs < BUCKETS.scale) return 0;
  const i = Math.floor(Math.log(latencyMs / BUCKETS.scale) / Math.log(BUCKETS.growthFactor)) + 1;
  return Math.min(i, BUCKETS.numFiniteBuckets + 1);
}

export class FakeCloudMonitoring {
  private readonly store = new DeltaPointStore(SAMPLING_MS);
  /** Requests recorded per `revision|class|periodStart`: the truth the runner's counts must equal. */
  readonly recorded = new Map<string, number>();

  constructor(
    readonly project: string,
    readonly service: string,
    private readonly now: () => number,
    /** How long after its period ends a point becomes visible (ms); per point. */
    private readonly visibleAfterMs: (periodStart: number, series: string) => number,
  ) {}

  /**
   * Marks of an incomplete answer, added to every `timeSeries.list` reply while set
   * (ListTimeSeriesResponse: `executionErrors`, "Query execution errors that may have caused the
   * time series data returned to be incomplete"; `unreachable`, "Cloud regions that were
   * unreachable which may have caused incomplete data to be returned").
   */
  incomplete: { executionErrors?: { code: number; message: string }[]; unreachable?: string[] } | undefined;

  get listCalls(): number {
    return this.store.listCalls;
  }

  /** One request served by `revision` at `at` (epoch ms). */
  record(revision: string, status: number, latencyMs: number, at: number): void {
    const codeClass = `${Math.floor(status / 100)}xx`;
    const periodStart = Math.floor(at / SAMPLING_MS) * SAMPLING_MS;
    const resource = { service_name: this.service, revision_name: revision };
    const visibleAt = (series: string) =>
      periodStart + SAMPLING_MS + this.visibleAfterMs(periodStart, series);
    const countSeries = JSON.stringify(["run.googleapis.com/request_count", resource, codeClass]);
    this.store.add({
      metricType: "run.googleapis.com/request_count",
      resource,
      metric: { response_code_class: codeClass },
      periodStart,
      count: 1,
      visibleAt: visibleAt(countSeries),
    });
    const bucketCounts: number[] = [];
    bucketCounts[bucketOf(latencyMs)] = 1;
    this.store.add({
      metricType: "run.googleapis.com/request_latencies",
      resource,
      metric: {},
      periodStart,
      count: 1,
      bucketCounts: Array.from(bucketCounts, (c) => c ?? 0),
      bucketOptions: { exponentialBuckets: BUCKETS },
      visibleAt: visibleAt(JSON.stringify(["run.googleapis.com/request_latencies", resource])),
    });
    const key = `${revision}|${codeClass}|${periodStart}`;
    this.recorded.set(key, (this.recorded.get(key) ?? 0) + 1);
  }

  fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    if (url.pathname === `/v3/projects/${this.project}/timeSeries`) {
      const answer = this.store.list(url.searchParams, this.now());
      const incomplete = answer.status === 200 ? this.incomplete : undefined;
      return json(answer.status, incomplete ? { ...(answer.body as object), ...incomplete } : answer.body);
    }
    if (url.pathname.endsWith("/api/v1/query")) return this.promql(String(init?.body ?? ""));
    return json(404, { error: { message: `no such path ${url.pathname}` } });
  };

  private promql(body: string): Response {
    const query = new URLSearchParams(body).get("query") ?? "";
    const value = query.includes("request_latencies")
      ? 100
      : query.includes("utilizations")
        ? 0.4
        : query.startsWith("time()")
          ? 30
          : 0;
    return json(200, {
      status: "success",
      data: { resultType: "vector", result: [{ metric: {}, value: [this.now() / 1000, String(value)] }] },
    });
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}
