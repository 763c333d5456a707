import type { StageConfig } from "../config";
import { type Labels, type Side, sideLabels, stageLabels } from "./selectors";

/**
 * Every PromQL query ion-deploy runs or declares is built here, from Cloud Monitoring's names for
 * Cloud Run metrics. Alert policies, Managed Prometheus GlobalRules, dashboards and the runner call these.
 */
export const METRICS = {
  requestCount: "run_googleapis_com:request_count",
  latencyBucket: "run_googleapis_com:request_latencies_bucket",
  memoryBucket: "run_googleapis_com:container_memory_utilizations_bucket",
  cpuBucket: "run_googleapis_com:container_cpu_utilizations_bucket",
} as const;

/**
 * Bucket boundaries (ms) of the request-latency histogram the slow-request count reads: the
 * rehearsal app's layout (rehearsal/app/server.ts). Cloud Run's own layout for
 * run.googleapis.com/request_latencies could not be confirmed from public documentation; the
 * count uses the largest boundary at or below the P95 limit, so it can only over-count slow
 * requests (conservative), and a layout without that boundary yields no series: P95 then falls
 * back to the value rule, never to a pass.
 */
export const LATENCY_BUCKETS_MS = [
  1, 2, 5, 10, 25, 50, 100, 150, 200, 300, 400, 500, 750, 1000, 2000, 5000, 10000,
];

/** The bucket boundary that splits slow from fast requests: the largest at or below `limitMs`. */
export function slowBucketBound(limitMs: number, bounds: readonly number[] = LATENCY_BUCKETS_MS): number {
  const below = bounds.filter((b) => b <= limitMs);
  return below.length > 0 ? Math.max(...below) : (bounds[0] ?? limitMs);
}

/** Quantile taken of the memory and CPU utilisation distributions: near the busiest instance. */
export const UTILISATION_QUANTILE = 0.95;

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
}

export function selector(labels: Labels, extra: Record<string, string> = {}): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries({ ...labels, ...extra })) {
    parts.push(
      value.startsWith("~")
        ? `${name}=~"${escapeLabelValue(value.slice(1))}"`
        : `${name}="${escapeLabelValue(value)}"`,
    );
  }
  return `{${parts.join(",")}}`;
}

function range(seconds: number): string {
  return `[${seconds}s]`;
}

function by(groupBy: string[]): string {
  return groupBy.length > 0 ? ` by (${groupBy.join(", ")})` : "";
}

/** The queries for one set of labels, aggregated over `groupBy` (empty: one series). */
export function queriesFor(labels: Labels, windowSeconds: number, groupBy: string[] = [], slowAboveMs = 500) {
  const w = range(windowSeconds);
  const requestSeries = `${METRICS.requestCount}${selector(labels)}`;
  const errorSeries = `${METRICS.requestCount}${selector(labels, { response_code_class: "5xx" })}`;
  const quantile = (q: number, metric: string) =>
    `histogram_quantile(${q}, sum${by([...groupBy, "le"])} (rate(${metric}${selector(labels)}${w})))`;
  return {
    /** Requests served in the window. */
    requests: `sum${by(groupBy)} (increase(${requestSeries}${w}))`,
    /** 5xx responses in the window; zero, not missing, when no 5xx series exists yet. */
    errors:
      groupBy.length > 0
        ? `sum${by(groupBy)} (increase(${errorSeries}${w}))`
        : `sum (increase(${errorSeries}${w})) or vector(0)`,
    /**
     * 5xx / all, as a ratio; zero, not missing, for a side that served requests but has no 5xx
     * series (Cloud Monitoring has none until the first 5xx; promtool pins this, test/promql).
     */
    errorRate:
      groupBy.length > 0
        ? `(sum${by(groupBy)} (rate(${errorSeries}${w})) or sum${by(groupBy)} (rate(${requestSeries}${w})) * 0) / sum${by(groupBy)} (rate(${requestSeries}${w}))`
        : `(sum (rate(${errorSeries}${w})) or vector(0)) / sum (rate(${requestSeries}${w}))`,
    /**
     * Requests slower than the P95 limit in the window: all requests the histogram measured minus
     * those in the bucket at or below the limit (`slowBucketBound`).
     */
    slow: `sum${by(groupBy)} (increase(${METRICS.latencyBucket}${selector(labels, { le: "+Inf" })}${w})) - sum${by(groupBy)} (increase(${METRICS.latencyBucket}${selector(labels, { le: String(slowBucketBound(slowAboveMs)) })}${w}))`,
    /** Requests per second. */
    rps: `sum${by(groupBy)} (rate(${requestSeries}${w}))`,
    p50LatencyMs: quantile(0.5, METRICS.latencyBucket),
    p95LatencyMs: quantile(0.95, METRICS.latencyBucket),
    p99LatencyMs: quantile(0.99, METRICS.latencyBucket),
    memory: quantile(UTILISATION_QUANTILE, METRICS.memoryBucket),
    cpu: quantile(UTILISATION_QUANTILE, METRICS.cpuBucket),
    /** Seconds since the newest request-count sample: large means the data is stale. */
    sampleAgeSeconds: `time() - max(timestamp(${requestSeries}))`,
  };
}

export type QuerySet = ReturnType<typeof queriesFor>;

/**
 * The start time of the processes behind one side's counters (the client libraries' standard
 * `process_start_time_seconds`): the only evidence the ledger takes that a counter reset.
 */
export const PROCESS_START = "process_start_time_seconds";

/**
 * Raw cumulative counter series of one side, one per label set, for the sequential analysis's
 * ledger (src/rollout/core/sample/ledger.ts): no `increase()`, so nothing is extrapolated or lost at
 * window edges; the runner differences successive readings itself.
 */
export function counterSeries(labels: Labels, slowAboveMs: number) {
  return {
    processStart: `${PROCESS_START}${selector(labels)}`,
    requests: `${METRICS.requestCount}${selector(labels)}`,
    errors: `${METRICS.requestCount}${selector(labels, { response_code_class: "5xx" })}`,
    latencyCount: `${METRICS.latencyBucket}${selector(labels, { le: "+Inf" })}`,
    latencyFast: `${METRICS.latencyBucket}${selector(labels, { le: String(slowBucketBound(slowAboveMs)) })}`,
  };
}

export function sideCounterSeries(cfg: StageConfig, side: Side) {
  return counterSeries(sideLabels(cfg, side), cfg.thresholds.p95LatencyMs.rollbackAbove ?? 500);
}

/** The window every check and alert evaluates over: one check interval. */
export function windowSeconds(cfg: StageConfig): number {
  return cfg.rollout.checkIntervalSeconds;
}

/** The runner's per-check queries for one side of the split. */
export function sideQueries(cfg: StageConfig, side: Side, window = windowSeconds(cfg)): QuerySet {
  return queriesFor(sideLabels(cfg, side), window, [], cfg.thresholds.p95LatencyMs.rollbackAbove ?? 500);
}

/** Queries over both sides, one series per side (alerts and dashboards). */
export function stageQueries(
  cfg: StageConfig,
  window = windowSeconds(cfg),
): QuerySet & { sideLabel: string } {
  const { labels, sideLabel, sideValues, pinSides } = stageLabels(cfg);
  const withSides = pinSides
    ? { ...labels, [sideLabel]: `~${sideValues.map(escapeRegex).join("|")}` }
    : labels;
  const slowAbove = cfg.thresholds.p95LatencyMs.rollbackAbove ?? 500;
  return { ...queriesFor(withSides, window, [sideLabel], slowAbove), sideLabel };
}

/** A literal string inside a regular expression (PromQL's `=~`, CloudWatch id rewriting). */
export function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
