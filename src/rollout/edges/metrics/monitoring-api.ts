import { redactUrl } from "./prometheus-query";

/**
 * The Monitoring API v3 `projects.timeSeries.list` call, as the runner uses it: one metric type,
 * each series aligned per period with ALIGN_SUM (the sum of a DELTA metric's points in the
 * period; unlike ALIGN_DELTA it never interpolates a period that has no data), no cross-series
 * reduction, so every series' every period is one point the ledger can count once.
 * docs/cloud-edges.md quotes the rules.
 */

export const MONITORING_API = "https://monitoring.googleapis.com/v3";

/** The JSON of a Distribution's bucket layout (google.api.Distribution.BucketOptions). */
export interface BucketOptions {
  linearBuckets?: { numFiniteBuckets: number; width: number; offset: number };
  exponentialBuckets?: { numFiniteBuckets: number; growthFactor: number; scale: number };
  explicitBuckets?: { bounds: number[] };
}

export interface DistributionValue {
  count?: string | number;
  bucketOptions?: BucketOptions;
  bucketCounts?: (string | number)[];
}

export interface TimeSeriesPoint {
  interval: { startTime?: string; endTime: string };
  value: { int64Value?: string | number; doubleValue?: number; distributionValue?: DistributionValue };
}

export interface TimeSeries {
  metric?: { type?: string; labels?: Record<string, string> };
  resource?: { type?: string; labels?: Record<string, string> };
  metricKind?: string;
  valueType?: string;
  points?: TimeSeriesPoint[];
}

export interface ListRequest {
  /** `MONITORING_API`, or a stand-in's root (the rehearsal's Cloud Monitoring on loopback). */
  apiRoot: string;
  project: string;
  filter: string;
  /** Epoch ms, on period boundaries. */
  start: number;
  end: number;
  periodSeconds: number;
  token: string | undefined;
  fetch: typeof fetch;
  signal: AbortSignal;
}

interface ListResponse {
  timeSeries?: TimeSeries[];
  nextPageToken?: string;
  executionErrors?: { code?: number; message?: string }[];
  unreachable?: string[];
}

/**
 * A 200 may still be partial (ListTimeSeriesResponse, docs/cloud-edges.md): `executionErrors`
 * "may have caused the time series data returned to be incomplete", `unreachable` regions too.
 * Counted as if whole, a missing 5xx series would read as fewer errors, so such an answer is a
 * failed read (the check has no data, never a GO).
 */
function incompleteness(body: ListResponse): string | undefined {
  const errors = (body.executionErrors ?? []).map((e) => `${e.code ?? "?"} ${e.message ?? ""}`.trim());
  const regions = body.unreachable ?? [];
  const parts = [
    ...(errors.length ? [`execution errors: ${errors.join("; ").slice(0, 200)}`] : []),
    ...(regions.length ? [`unreachable: ${regions.join(", ").slice(0, 200)}`] : []),
  ];
  return parts.length ? parts.join("; ") : undefined;
}

/** Pages are bounded: a runaway loop would stall the check. */
const MAX_PAGES = 10;

/** Every series matching the filter over [start, end], each aligned per period with ALIGN_SUM. */
export async function listTimeSeries(request: ListRequest): Promise<TimeSeries[]> {
  const out: TimeSeries[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const params = new URLSearchParams({
      filter: request.filter,
      "interval.startTime": new Date(request.start).toISOString(),
      "interval.endTime": new Date(request.end).toISOString(),
      "aggregation.alignmentPeriod": `${request.periodSeconds}s`,
      "aggregation.perSeriesAligner": "ALIGN_SUM",
      view: "FULL",
      ...(pageToken ? { pageToken } : {}),
    });
    const url = `${request.apiRoot.replace(/\/+$/, "")}/projects/${encodeURIComponent(request.project)}/timeSeries?${params}`;
    const headers: Record<string, string> = { accept: "application/json" };
    if (request.token) headers.authorization = `Bearer ${request.token}`;
    const response = await request.fetch(url, { headers, signal: request.signal });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(
        `HTTP ${response.status} from ${redactUrl(url)}: ${text.slice(0, 200).replace(/\s+/g, " ")}`,
      );
    }
    const body = JSON.parse(text) as ListResponse;
    const incomplete = incompleteness(body);
    if (incomplete) throw new Error(`incomplete answer from ${redactUrl(url)}: ${incomplete}`);
    out.push(...(body.timeSeries ?? []));
    pageToken = body.nextPageToken || undefined;
    if (!pageToken) return out;
  }
  throw new Error(`more than ${MAX_PAGES} pages of time series for ${request.filter}`);
}

/** Upper bound of bucket `i` (0 = underflow); Infinity for the overflow bucket. */
export function bucketUpperBound(options: BucketOptions, i: number): number {
  if (options.explicitBuckets) return options.explicitBuckets.bounds[i] ?? Number.POSITIVE_INFINITY;
  if (options.linearBuckets) {
    const { numFiniteBuckets: n, width, offset } = options.linearBuckets;
    return i <= n ? offset + width * i : Number.POSITIVE_INFINITY;
  }
  if (options.exponentialBuckets) {
    const { numFiniteBuckets: n, growthFactor, scale } = options.exponentialBuckets;
    return i <= n ? scale * growthFactor ** i : Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * Values below `limit` for certain: the buckets whose (exclusive) upper bound is at most the
 * limit. A bucket that straddles the limit counts as slow, so slow requests are never undercounted.
 * Undefined without a histogram.
 */
export function countBelow(value: DistributionValue, limit: number): number | undefined {
  const { bucketOptions, bucketCounts } = value;
  if (!bucketOptions || !bucketCounts) return Number(value.count ?? 0) === 0 ? 0 : undefined;
  let below = 0;
  bucketCounts.forEach((count, i) => {
    if (bucketUpperBound(bucketOptions, i) <= limit) below += Number(count);
  });
  return below;
}
