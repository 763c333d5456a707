import type { DeltaPoint, DeltaPointStore, Labels } from "./delta-store";

/**
 * Cloud Run's side of Cloud Monitoring, for the rehearsal: at the end of every sampling period it
 * reads each app's own cumulative counters (`/metrics`: run_googleapis_com:request_count by
 * response code class, the request_latencies histogram in ms) and stores what changed during the
 * period as one DELTA point per series, visible `visibleAfterMs` after the period ends. A process
 * that restarted (a new `process_start_time_seconds`) counts from 0, so nothing is lost or doubled
 * across restarts; a scrape that fails leaves its requests to the next period that reads them.
 */

const REQUEST_COUNT = "run_googleapis_com:request_count";
const LATENCIES = "run_googleapis_com:request_latencies";
const START_TIME = "process_start_time_seconds";

/** One sample line: `name{labels} value`. */
interface SampleLine {
  name: string;
  labels: Labels;
  value: number;
}

export function parseExposition(text: string): SampleLine[] {
  const out: SampleLine[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line.trim());
    if (!m) continue;
    const labels: Labels = {};
    for (const pair of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] as string] = (pair[2] as string).replace(/\\(.)/g, (_, c: string) =>
        c === "n" ? "\n" : c,
      );
    }
    out.push({
      name: m[1] as string,
      labels,
      value: m[3] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[3]),
    });
  }
  return out;
}

/** An app's cumulative counts, per Cloud Monitoring series. */
interface AppCounts {
  startedAt: number;
  /** `request_count` per response code class; latencies as Prometheus `le` buckets. */
  requests: Map<string, { resource: Labels; codeClass: string; value: number }>;
  latencies: Map<string, { resource: Labels; cumulative: Map<number, number>; count: number }>;
}

function resourceOf(labels: Labels): Labels {
  return { service_name: labels.service_name ?? "", revision_name: labels.revision_name ?? "" };
}

export function appCounts(lines: SampleLine[]): AppCounts {
  const counts: AppCounts = { startedAt: Number.NaN, requests: new Map(), latencies: new Map() };
  for (const line of lines) {
    const resource = resourceOf(line.labels);
    const key = JSON.stringify(resource);
    if (line.name === START_TIME) counts.startedAt = line.value;
    else if (line.name === REQUEST_COUNT) {
      const codeClass = line.labels.response_code_class ?? "";
      counts.requests.set(`${key}|${codeClass}`, { resource, codeClass, value: line.value });
    } else if (line.name === `${LATENCIES}_bucket` || line.name === `${LATENCIES}_count`) {
      const held = counts.latencies.get(key) ?? { resource, cumulative: new Map(), count: 0 };
      if (line.name.endsWith("_count")) held.count = line.value;
      else if (Number.isFinite(Number(line.labels.le)))
        held.cumulative.set(Number(line.labels.le), line.value);
      counts.latencies.set(key, held);
    }
  }
  return counts;
}

/**
 * Prometheus' cumulative `le` buckets as a Distribution's explicit buckets: bucket 0 below the
 * first bound, bucket i between bounds i-1 and i, the last one above the last bound.
 */
function distributionOf(cumulative: Map<number, number>, count: number) {
  const bounds = [...cumulative.keys()].sort((a, b) => a - b);
  const at = bounds.map((b) => cumulative.get(b) ?? 0);
  const bucketCounts = [
    ...at.map((c, i) => c - (i === 0 ? 0 : (at[i - 1] as number))),
    count - (at.at(-1) ?? 0),
  ];
  return { bounds, bucketCounts };
}

export interface AppSamplerOptions {
  store: DeltaPointStore;
  /** The apps' `/metrics` URLs (fixed ports: a new revision takes the port of the one it replaces). */
  targets: string[];
  visibleAfterMs: number;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

export class AppSampler {
  private readonly last = new Map<string, AppCounts>();

  constructor(private readonly options: AppSamplerOptions) {}

  /** The sampling period that ends at `boundary` (epoch ms): one DELTA point per series that moved. */
  async sampleAt(boundary: number): Promise<void> {
    await Promise.all(this.options.targets.map((target) => this.sampleTarget(target, boundary)));
  }

  private async sampleTarget(target: string, boundary: number): Promise<void> {
    let now: AppCounts;
    try {
      const response = await (this.options.fetch ?? fetch)(target, { signal: AbortSignal.timeout(2_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      now = appCounts(parseExposition(await response.text()));
    } catch (error) {
      this.options.log?.(`${target}: ${(error as Error).message} (its requests count in a later period)`);
      return; // a port between revisions, or a process starting: the next read takes it all
    }
    const before = this.last.get(target);
    const previous = before && before.startedAt === now.startedAt ? before : undefined;
    this.last.set(target, now);
    for (const point of this.deltaPoints(previous, now, boundary)) this.options.store.add(point);
  }

  private deltaPoints(before: AppCounts | undefined, now: AppCounts, boundary: number): DeltaPoint[] {
    const { store, visibleAfterMs } = this.options;
    const common = { periodStart: boundary - store.samplingMs, visibleAt: boundary + visibleAfterMs };
    const points: DeltaPoint[] = [];
    for (const [key, series] of now.requests) {
      const count = series.value - (before?.requests.get(key)?.value ?? 0);
      if (count <= 0) continue;
      points.push({
        ...common,
        metricType: "run.googleapis.com/request_count",
        resource: series.resource,
        metric: { response_code_class: series.codeClass },
        count,
      });
    }
    for (const [key, series] of now.latencies) {
      const was = before?.latencies.get(key);
      const nowDist = distributionOf(series.cumulative, series.count);
      const wasDist = was ? distributionOf(was.cumulative, was.count) : undefined;
      const count = series.count - (was?.count ?? 0);
      if (count <= 0) continue;
      points.push({
        ...common,
        metricType: "run.googleapis.com/request_latencies",
        resource: series.resource,
        metric: {},
        count,
        bucketCounts: nowDist.bucketCounts.map((c, i) => c - (wasDist?.bucketCounts[i] ?? 0)),
        bucketOptions: { explicitBuckets: { bounds: nowDist.bounds } },
      });
    }
    return points;
  }
}
