import type { StageConfig } from "../../src/config";
import { METRICS, type Side, sideLabels } from "../../src/signals";

/**
 * Synthetic Cloud Run series for promtool, one sample per check interval. Everything is described
 * per interval (what happened between two samples) and turned into the cumulative counters
 * Prometheus stores.
 */

export interface InputSeries {
  series: string;
  values: string;
}

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(",");
}

/** Cumulative counter values from per-interval increments (first sample 0). */
export function cumulative(increments: number[]): number[] {
  const values = [0];
  for (const increment of increments) values.push((values[values.length - 1] ?? 0) + increment);
  return values;
}

function counter(metric: string, labels: Record<string, string>, increments: number[]): InputSeries {
  return { series: `${metric}{${labelText(labels)}}`, values: cumulative(increments).join(" ") };
}

/** Requests of one side: `ok[i]` 2xx and `failed[i]` 5xx in interval i; no 5xx series when `failed` is omitted. */
export function requestSeries(cfg: StageConfig, side: Side, ok: number[], failed?: number[]): InputSeries[] {
  const labels = sideLabels(cfg, side);
  const series = [counter(METRICS.requestCount, { ...labels, response_code_class: "2xx" }, ok)];
  if (failed) series.push(counter(METRICS.requestCount, { ...labels, response_code_class: "5xx" }, failed));
  return series;
}

/** Observations per bucket in one interval: `counts[j]` fall in (bounds[j-1], bounds[j]], the last in (last bound, +Inf). */
export type BucketCounts = number[];

/** A Prometheus histogram of one side: cumulative `le` buckets, one distribution per interval. */
export function histogramSeries(
  cfg: StageConfig,
  side: Side,
  metric: string,
  bounds: number[],
  perInterval: BucketCounts[],
): InputSeries[] {
  const labels = sideLabels(cfg, side);
  const les = [...bounds.map(String), "+Inf"];
  return les.map((le, j) =>
    counter(
      metric,
      { ...labels, le },
      perInterval.map((counts) => counts.slice(0, j + 1).reduce((sum, count) => sum + count, 0)),
    ),
  );
}

/** `n` copies of a value, for describing intervals. */
export function times<T>(n: number, value: T): T[] {
  return Array.from({ length: n }, () => value);
}

/**
 * What `histogram_quantile` returns for one interval's bucket counts, by Prometheus's own
 * interpolation (promql/quantile.go), in the same float operations so the values compare exactly.
 */
export function expectedQuantile(q: number, bounds: number[], counts: BucketCounts, seconds: number): number {
  // Each `le` series is a cumulative counter, so its rate is (observations <= le) / seconds.
  const cumulativeRates = cumulative(counts)
    .slice(1)
    .map((count) => count / seconds);
  const total = cumulativeRates[cumulativeRates.length - 1] ?? 0;
  let rank = q * total;
  const b = cumulativeRates.findIndex((value) => value >= rank);
  if (b === bounds.length) return bounds[bounds.length - 1] as number;
  const bucketEnd = bounds[b] as number;
  const bucketStart = b === 0 ? 0 : (bounds[b - 1] as number);
  let count = cumulativeRates[b] as number;
  if (b > 0) {
    count -= cumulativeRates[b - 1] as number;
    rank -= cumulativeRates[b - 1] as number;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}
