import { GetMetricDataCommand, type MetricDataResult } from "@aws-sdk/client-cloudwatch";
import type { StageConfig } from "../../../config";
import {
  type CloudWatchDimensions,
  type CloudWatchSignal,
  fromCloudWatchUnits,
  type Side,
} from "../../../signals";
import type { RecordedSeries, RecordedTrace, TraceSignal } from "../../core/trace/build";
import { checkTimes, type TimeRange } from "../../core/trace/check-times";
import type { CloudWatchSender } from "./cloudwatch";
import { sampleQueries } from "./cloudwatch-queries";

/**
 * Records a trace's series from CloudWatch with GetMetricData over the whole range: the same
 * queries the runner sends each check (`sampleQueries`, from the signals module), one datapoint per
 * period. A check of k periods sums the counts of its periods and takes the highest level (P95,
 * memory, CPU: the runner's stats are p95 and Maximum per period, so the worst period is what an
 * alarm would have seen). A check with no datapoint at all is a gap: null.
 */
export interface CloudWatchTraceOptions {
  cfg: StageConfig;
  region: string;
  dimensions: Record<Side, CloudWatchDimensions>;
  range: TimeRange;
  client: CloudWatchSender;
  onProgress?: (pages: number) => void;
  signal?: AbortSignal;
}

const TRACE_NAME: Partial<Record<CloudWatchSignal["signal"], TraceSignal>> = {
  requests: "requests",
  errors: "errors",
  p95LatencyMs: "p95Ms",
  memory: "memory",
  cpu: "cpu",
  health: "healthFailures",
};

async function fetchAll(options: CloudWatchTraceOptions, startMs: number, endMs: number) {
  const built = sampleQueries(options.cfg, options.dimensions);
  const results = new Map<string, Map<number, number>>();
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const response = await options.client.send(
      new GetMetricDataCommand({
        MetricDataQueries: built.queries,
        StartTime: new Date(startMs),
        EndTime: new Date(endMs),
        ScanBy: "TimestampAscending",
        NextToken: nextToken,
      }),
      { abortSignal: options.signal },
    );
    for (const message of response.Messages ?? []) {
      throw new Error(`CloudWatch: ${message.Code}: ${message.Value}`);
    }
    for (const result of response.MetricDataResults ?? []) collect(results, result);
    nextToken = response.NextToken;
    options.onProgress?.(++pages);
  } while (nextToken);
  return { built, results };
}

function collect(results: Map<string, Map<number, number>>, result: MetricDataResult): void {
  if (!result.Id) return;
  if (result.StatusCode && result.StatusCode !== "Complete" && result.StatusCode !== "PartialData") {
    throw new Error(`CloudWatch: ${result.Id}: status ${result.StatusCode}`);
  }
  const points = results.get(result.Id) ?? new Map<number, number>();
  (result.Timestamps ?? []).forEach((timestamp, i) => {
    const value = result.Values?.[i];
    if (value !== undefined && Number.isFinite(value)) points.set(new Date(timestamp).getTime(), value);
  });
  results.set(result.Id, points);
}

export async function recordCloudWatchTrace(options: CloudWatchTraceOptions): Promise<RecordedTrace> {
  const period = sampleQueries(options.cfg, options.dimensions).periodSeconds;
  const { stepSeconds } = options.range;
  if (stepSeconds % period !== 0) {
    throw new Error(
      `--step ${stepSeconds}s is not a whole number of CloudWatch periods (${period} s); use --step ${period} or a multiple`,
    );
  }
  // Checks start on a period boundary so each covers whole periods.
  const periodMs = period * 1000;
  const range = { ...options.range, fromMs: Math.floor(options.range.fromMs / periodMs) * periodMs };
  const times = checkTimes(range);
  const { built, results } = await fetchAll(options, range.fromMs, times.at(-1) ?? range.toMs);
  const series: RecordedSeries = { canary: {}, stable: {} };
  for (const [id, { side, signal }] of built.returned) {
    const name = TRACE_NAME[signal];
    if (!name) continue;
    const points = results.get(id) ?? new Map<number, number>();
    series[side][name] = times.map((t) => {
      const present: number[] = [];
      for (let p = t - stepSeconds * 1000; p < t; p += periodMs) {
        const value = points.get(p);
        if (value !== undefined) present.push(value);
      }
      return present.length === 0 ? null : combine(options.cfg, signal, present);
    });
  }
  return {
    checkTimesMs: times,
    series,
    description: `CloudWatch GetMetricData (${options.region}), ${period} s periods`,
  };
}

function combine(cfg: StageConfig, signal: CloudWatchSignal["signal"], values: number[]): number | null {
  if (signal === "requests" || signal === "errors") return values.reduce((a, b) => a + b, 0);
  const worst = Math.max(...values);
  if (signal === "health") {
    // As the live source: an unhealthy target means the target group's N failed checks in a row.
    const limit = cfg.thresholds.health?.rollbackAfterFailures;
    return limit === undefined ? null : worst > 0 ? limit : 0;
  }
  return fromCloudWatchUnits(signal, worst);
}
