/**
 * A Cloud Monitoring fake written from its documentation (docs/cloud-edges.md quotes each rule):
 * - Cloud Run's run.googleapis.com/request_count (INT64) and request_latencies (DISTRIBUTION) are
 *   DELTA metrics: one point per series per sampling period (60 s), the change during it;
 * - a point becomes visible only some time after its period ends (`visibleAfterMs`, per point);
 * - projects.timeSeries.list: a filter of `field = "value"` clauses, an interval, and per-series
 *   alignment: ALIGN_SUM sums the points of each alignment period into one point whose end time is
 *   the period's end (no interpolation of empty periods), alignmentPeriod at least 60 s; only
 *   series with points in the interval are returned; points newest first.
 * It also answers Cloud Monitoring's PromQL endpoint with healthy gauges (P95, memory, CPU, sample
 * age): this fake is about counts.
 */

export const SAMPLING_MS = 60_000;
/** The fake's latency histogram layout: exponential, scale 1 ms, growth 2 (bounds 1, 2, 4, ... ms). */
const BUCKETS = { numFiniteBuckets: 16, growthFactor: 2, scale: 1 };

interface RawPoint {
  series: string;
  metricType: string;
  resource: Record<string, string>;
  metric: Record<string, string>;
  periodStart: number;
  count: number;
  bucketCounts: number[];
  visibleAt: number;
}

function bucketOf(latencyMs: number): number {
  if (latencyMs < BUCKETS.scale) return 0;
  const i = Math.floor(Math.log(latencyMs / BUCKETS.scale) / Math.log(BUCKETS.growthFactor)) + 1;
  return Math.min(i, BUCKETS.numFiniteBuckets + 1);
}

export class FakeCloudMonitoring {
  private readonly points = new Map<string, RawPoint>();
  /** Requests recorded per `revision|class|periodStart`: the truth the runner's counts must equal. */
  readonly recorded = new Map<string, number>();
  listCalls = 0;

  constructor(
    readonly project: string,
    readonly service: string,
    private readonly now: () => number,
    /** How long after its period ends a point becomes visible (ms); per point. */
    private readonly visibleAfterMs: (periodStart: number, series: string) => number,
  ) {}

  /** One request served by `revision` at `at` (epoch ms). */
  record(revision: string, status: number, latencyMs: number, at: number): void {
    const codeClass = `${Math.floor(status / 100)}xx`;
    const periodStart = Math.floor(at / SAMPLING_MS) * SAMPLING_MS;
    const resource = { service_name: this.service, revision_name: revision };
    const count = this.point(
      "run.googleapis.com/request_count",
      resource,
      { response_code_class: codeClass },
      periodStart,
    );
    count.count++;
    const latency = this.point("run.googleapis.com/request_latencies", resource, {}, periodStart);
    latency.count++;
    const b = bucketOf(latencyMs);
    latency.bucketCounts[b] = (latency.bucketCounts[b] ?? 0) + 1;
    const key = `${revision}|${codeClass}|${periodStart}`;
    this.recorded.set(key, (this.recorded.get(key) ?? 0) + 1);
  }

  private point(
    metricType: string,
    resource: Record<string, string>,
    metric: Record<string, string>,
    periodStart: number,
  ): RawPoint {
    const series = JSON.stringify([metricType, resource, metric]);
    const key = `${series}@${periodStart}`;
    let p = this.points.get(key);
    if (!p) {
      const visibleAt = periodStart + SAMPLING_MS + this.visibleAfterMs(periodStart, series);
      p = { series, metricType, resource, metric, periodStart, count: 0, bucketCounts: [], visibleAt };
      this.points.set(key, p);
    }
    return p;
  }

  fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    if (url.pathname === `/v3/projects/${this.project}/timeSeries`) return this.list(url.searchParams);
    if (url.pathname.endsWith("/api/v1/query")) return this.promql(String(init?.body ?? ""));
    return json(404, { error: { message: `no such path ${url.pathname}` } });
  };

  private list(params: URLSearchParams): Response {
    this.listCalls++;
    const aligner = params.get("aggregation.perSeriesAligner");
    const period = Number(params.get("aggregation.alignmentPeriod")?.replace(/s$/, "")) * 1000;
    if (aligner !== "ALIGN_SUM")
      return json(400, { error: { message: `the fake implements ALIGN_SUM only, got ${aligner}` } });
    if (!(period >= 60_000))
      return json(400, { error: { message: "alignmentPeriod must be at least 60 seconds" } });
    const start = Date.parse(params.get("interval.startTime") ?? "");
    const end = Date.parse(params.get("interval.endTime") ?? "");
    const clauses = parseFilter(params.get("filter") ?? "");
    const now = this.now();
    const bySeries = new Map<string, RawPoint[]>();
    for (const p of this.points.values()) {
      const pointEnd = p.periodStart + SAMPLING_MS;
      if (p.visibleAt > now || pointEnd <= start || pointEnd > end || !matches(p, clauses)) continue;
      bySeries.set(p.series, [...(bySeries.get(p.series) ?? []), p]);
    }
    const timeSeries = [...bySeries.values()].map((raw) => alignSum(raw, end, period));
    return json(200, timeSeries.length > 0 ? { timeSeries } : {});
  }

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

/** ALIGN_SUM per alignment period, boundaries counted back from the interval's end; newest first. */
function alignSum(raw: RawPoint[], end: number, period: number) {
  const first = raw[0] as RawPoint;
  const periods = new Map<number, { count: number; buckets: number[] }>();
  for (const p of raw) {
    const periodEnd = end - Math.floor((end - (p.periodStart + SAMPLING_MS)) / period) * period;
    const sum = periods.get(periodEnd) ?? { count: 0, buckets: [] };
    sum.count += p.count;
    p.bucketCounts.forEach((c, i) => {
      sum.buckets[i] = (sum.buckets[i] ?? 0) + (c ?? 0);
    });
    periods.set(periodEnd, sum);
  }
  const distribution = first.metricType.endsWith("request_latencies");
  const points = [...periods.entries()]
    .sort(([a], [b]) => b - a)
    .map(([periodEnd, sum]) => ({
      interval: { startTime: iso(periodEnd - period), endTime: iso(periodEnd) },
      value: distribution
        ? {
            distributionValue: {
              count: String(sum.count),
              bucketOptions: { exponentialBuckets: BUCKETS },
              bucketCounts: Array.from(sum.buckets, (c) => String(c ?? 0)),
            },
          }
        : { int64Value: String(sum.count) },
    }));
  return {
    metric: { type: first.metricType, labels: first.metric },
    resource: { type: "cloud_run_revision", labels: first.resource },
    metricKind: "DELTA",
    valueType: distribution ? "DISTRIBUTION" : "INT64",
    points,
  };
}

function parseFilter(filter: string): [string, string][] {
  return filter.split(" AND ").map((clause) => {
    const m = /^(\S+) = "(.*)"$/.exec(clause.trim());
    if (!m) throw new Error(`the fake does not parse the filter clause ${clause}`);
    return [m[1] as string, (m[2] as string).replace(/\\"/g, '"')];
  });
}

function matches(p: RawPoint, clauses: [string, string][]): boolean {
  return clauses.every(([field, value]) => {
    if (field === "metric.type") return p.metricType === value;
    if (field === "resource.type") return value === "cloud_run_revision";
    if (field.startsWith("resource.labels.")) return p.resource[field.slice(16)] === value;
    if (field.startsWith("metric.labels.")) return p.metric[field.slice(14)] === value;
    return false;
  });
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}
