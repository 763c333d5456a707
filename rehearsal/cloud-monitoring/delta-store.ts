import type { BucketOptions } from "../../src/rollout/edges/metrics/monitoring-api";

/**
 * Cloud Monitoring's store of DELTA points and its `projects.timeSeries.list`, written from the
 * docs (docs/cloud-edges.md quotes each rule):
 * - a DELTA point is the change during its own sampling period (Cloud Run samples its request
 *   metrics every 60 s; the rehearsal compresses that through its stage file);
 * - a point becomes visible only some time after its period ends (`visibleAt`, per point);
 * - timeSeries.list: a filter of `field = "value"` clauses, an interval, and per-series alignment:
 *   ALIGN_SUM sums the points of each alignment period into one point whose end time is the
 *   period's end (no interpolation of empty periods), the alignment period at least the sampling
 *   period (60 s in Cloud Monitoring); only series with points in the interval are returned;
 *   points newest first.
 * Used by the rehearsal's Cloud Monitoring process (points from the real apps' counters) and by
 * the in-process fake of the edge tests (points from simulated requests).
 */

export type Labels = Record<string, string>;

export interface DeltaPoint {
  metricType: string;
  resource: Labels;
  metric: Labels;
  /** Start of the sampling period the point counts (epoch ms, on a period boundary). */
  periodStart: number;
  count: number;
  /** Distribution points: counts per bucket of `bucketOptions` (0 = underflow). */
  bucketCounts?: number[];
  bucketOptions?: BucketOptions;
  /** Epoch ms from which a list call sees the point. */
  visibleAt: number;
}

export interface ListAnswer {
  status: number;
  body: unknown;
}

export class DeltaPointStore {
  private readonly points = new Map<string, DeltaPoint>();
  listCalls = 0;

  constructor(readonly samplingMs: number) {}

  /** Adds a point's counts to its (series, period); the first point of a period sets its visibility. */
  add(point: DeltaPoint): void {
    const key = `${seriesOf(point)}@${point.periodStart}`;
    const held = this.points.get(key);
    if (!held) {
      this.points.set(key, {
        ...point,
        bucketCounts: point.bucketCounts ? [...point.bucketCounts] : undefined,
      });
      return;
    }
    held.count += point.count;
    point.bucketCounts?.forEach((c, i) => {
      if (held.bucketCounts) held.bucketCounts[i] = (held.bucketCounts[i] ?? 0) + c;
    });
  }

  /** `GET /v3/projects/<project>/timeSeries?<params>` at `now`. */
  list(params: URLSearchParams, now: number): ListAnswer {
    this.listCalls++;
    const aligner = params.get("aggregation.perSeriesAligner");
    const period = Number(params.get("aggregation.alignmentPeriod")?.replace(/s$/, "")) * 1000;
    if (aligner !== "ALIGN_SUM") return problem(`the fake implements ALIGN_SUM only, got ${aligner}`);
    if (!(period >= this.samplingMs) || period % this.samplingMs !== 0)
      return problem(`alignmentPeriod must be a multiple of the ${this.samplingMs / 1000} s sampling period`);
    const start = Date.parse(params.get("interval.startTime") ?? "");
    const end = Date.parse(params.get("interval.endTime") ?? "");
    if (!(end > start)) return problem("interval.endTime must be after interval.startTime");
    let clauses: [string, string][];
    try {
      clauses = parseFilter(params.get("filter") ?? "");
    } catch (error) {
      return problem((error as Error).message);
    }
    const bySeries = new Map<string, DeltaPoint[]>();
    for (const p of this.points.values()) {
      const pointEnd = p.periodStart + this.samplingMs;
      if (p.visibleAt > now || pointEnd <= start || pointEnd > end || !matches(p, clauses)) continue;
      const series = seriesOf(p);
      bySeries.set(series, [...(bySeries.get(series) ?? []), p]);
    }
    const timeSeries = [...bySeries.values()].map((raw) => this.alignSum(raw, end, period));
    return { status: 200, body: timeSeries.length > 0 ? { timeSeries } : {} };
  }

  /** ALIGN_SUM per alignment period, boundaries counted back from the interval's end; newest first. */
  private alignSum(raw: DeltaPoint[], end: number, period: number) {
    const first = raw[0] as DeltaPoint;
    const periods = new Map<number, { count: number; buckets: number[] }>();
    for (const p of raw) {
      const periodEnd = end - Math.floor((end - (p.periodStart + this.samplingMs)) / period) * period;
      const sum = periods.get(periodEnd) ?? { count: 0, buckets: [] };
      sum.count += p.count;
      p.bucketCounts?.forEach((c, i) => {
        sum.buckets[i] = (sum.buckets[i] ?? 0) + (c ?? 0);
      });
      periods.set(periodEnd, sum);
    }
    const distribution = first.bucketOptions !== undefined;
    const points = [...periods.entries()]
      .sort(([a], [b]) => b - a)
      .map(([periodEnd, sum]) => ({
        interval: { startTime: iso(periodEnd - period), endTime: iso(periodEnd) },
        value: distribution
          ? {
              distributionValue: {
                count: String(sum.count),
                bucketOptions: first.bucketOptions,
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
}

function seriesOf(p: Pick<DeltaPoint, "metricType" | "resource" | "metric">): string {
  return JSON.stringify([p.metricType, sorted(p.resource), sorted(p.metric)]);
}

function sorted(labels: Labels): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
}

function parseFilter(filter: string): [string, string][] {
  return filter.split(" AND ").map((clause) => {
    const m = /^(\S+) = "(.*)"$/.exec(clause.trim());
    if (!m) throw new Error(`the fake does not parse the filter clause ${clause}`);
    return [m[1] as string, (m[2] as string).replace(/\\"/g, '"').replace(/\\\\/g, "\\")];
  });
}

function matches(p: DeltaPoint, clauses: [string, string][]): boolean {
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

function problem(message: string): ListAnswer {
  return { status: 400, body: { error: { code: 400, message, status: "INVALID_ARGUMENT" } } };
}
