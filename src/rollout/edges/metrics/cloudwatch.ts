import { CloudWatchClient, GetMetricDataCommand, type MetricDataResult } from "@aws-sdk/client-cloudwatch";
import type { StageConfig } from "../../../config";
import { type CloudWatchDimensions, fromCloudWatchUnits, type Side } from "../../../signals";
import {
  type CounterSnapshot,
  emptySideSample,
  type MetricsSample,
  type SampleContext,
  type SideSample,
} from "../../core/sample/sample";
import type { MetricsSource } from "../types";
import { type SampleQueries, sampleQueries } from "./cloudwatch-queries";
import { queryKey } from "./query-key";

/** The part of the CloudWatch client the source uses; tests pass a client wrapped by aws-sdk-client-mock. */
export type CloudWatchSender = Pick<CloudWatchClient, "send">;

export interface CloudWatchMetricsSourceOptions {
  cfg: StageConfig;
  region: string;
  /** Per side: the load balancer, its target group, and the ECS cluster and service. */
  dimensions: Record<Side, CloudWatchDimensions>;
  client?: CloudWatchSender;
  /** Epoch milliseconds. */
  now?: () => number;
  /** Periods looked back for the newest datapoint: ALB and ECS metrics arrive a minute or two late. */
  lookbackPeriods?: number;
}

/** GetMetricData pages are large; a runaway loop here would stall the check, so pages are bounded. */
const MAX_PAGES = 5;

function newest(result: MetricDataResult | undefined): { at: number; value: number } | undefined {
  const timestamps = result?.Timestamps ?? [];
  const values = result?.Values ?? [];
  let best: { at: number; value: number } | undefined;
  timestamps.forEach((timestamp, i) => {
    const value = values[i];
    if (value === undefined || !Number.isFinite(value)) return;
    const at = new Date(timestamp).getTime();
    if (!best || at > best.at) best = { at, value };
  });
  return best;
}

function valueAt(result: MetricDataResult | undefined, at: number): number | undefined {
  const index = (result?.Timestamps ?? []).findIndex((timestamp) => new Date(timestamp).getTime() === at);
  const value = index >= 0 ? result?.Values?.[index] : undefined;
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/**
 * Samples both sides of an ALB/ECS blue-green split with one GetMetricData request built from the
 * signals module's CloudWatch queries. Values come back in config units (ratio, ms); anything
 * missing is null and anything that failed is an error, so the check is inconclusive, never a pass.
 */
export class CloudWatchMetricsSource implements MetricsSource {
  readonly description: string;
  private readonly client: CloudWatchSender;
  private readonly now: () => number;
  private readonly lookback: number;

  constructor(private readonly options: CloudWatchMetricsSourceOptions) {
    this.client = options.client ?? new CloudWatchClient({ region: options.region });
    this.now = options.now ?? Date.now;
    this.lookback = options.lookbackPeriods ?? 5;
    this.description = `CloudWatch GetMetricData (${options.region})`;
  }

  async sample(signal?: AbortSignal, context: SampleContext = {}): Promise<MetricsSample> {
    signal?.throwIfAborted();
    const at = this.now();
    const built = sampleQueries(this.options.cfg, this.options.dimensions);
    const periodMs = built.periodSeconds * 1000;
    // Whole periods only: the current one is still filling up and would undercount requests.
    const end = Math.floor(at / periodMs) * periodMs;
    // Back past what the ledger judged, so periods that arrived late meanwhile are still read.
    const judged = Math.min(end, context.countedUntil ?? end);
    const start = Math.min(end, judged) - this.lookback * periodMs;

    const queries: Record<string, string> = {};
    for (const { side, signal: name, text } of built.text) queries[queryKey(side, name)] = text;
    const errors: string[] = [];
    const results = await this.fetch(built, start, end, errors, signal);
    const sides: Record<Side, SideSample> = {
      canary: this.read(built, results, "canary", at, periodMs, errors),
      stable: this.read(built, results, "stable", at, periodMs, errors),
    };
    errors.sort();
    const failed = errors.length > 0 || this.options.cfg.rollout.analysis !== "sequential";
    const counters = failed ? undefined : this.periodCounts(results, at, periodMs, start, context);
    return {
      at,
      canary: sides.canary,
      stable: sides.stable,
      queries,
      errors,
      ...(counters ? { counters } : {}),
    };
  }

  /** Every page of GetMetricData for [start, end), one result per query id; failures go to `errors`. */
  private async fetch(
    built: SampleQueries,
    start: number,
    end: number,
    errors: string[],
    signal?: AbortSignal,
  ): Promise<Map<string, MetricDataResult>> {
    const results = new Map<string, MetricDataResult>();
    let nextToken: string | undefined;
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        const response = await this.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: built.queries,
            StartTime: new Date(start),
            EndTime: new Date(end),
            ScanBy: "TimestampDescending",
            NextToken: nextToken,
          }),
          { abortSignal: signal },
        );
        for (const message of response.Messages ?? [])
          errors.push(`CloudWatch: ${message.Code}: ${message.Value}`);
        for (const result of response.MetricDataResults ?? []) {
          if (!result.Id) continue;
          const previous = results.get(result.Id);
          results.set(
            result.Id,
            previous
              ? {
                  ...result,
                  Timestamps: [...(previous.Timestamps ?? []), ...(result.Timestamps ?? [])],
                  Values: [...(previous.Values ?? []), ...(result.Values ?? [])],
                }
              : result,
          );
        }
        nextToken = response.NextToken;
        if (!nextToken) break;
      }
      if (nextToken)
        errors.push(`CloudWatch: more than ${MAX_PAGES} pages of data; the newest values may be missing`);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const e = error as Error;
      errors.push(`CloudWatch GetMetricData failed in ${this.options.region}: ${e.name}: ${e.message}`);
    }
    return results;
  }

  /** One side's sample from the fetched results; unusable results go to `errors`. */
  private read(
    built: SampleQueries,
    results: Map<string, MetricDataResult>,
    side: Side,
    at: number,
    periodMs: number,
    errors: string[],
  ): SideSample {
    const sample = this.empty();
    const requests = newest(results.get(`${side}_requests`));
    for (const [id, { side: owner, signal: name }] of built.returned) {
      if (owner !== side) continue;
      const result = results.get(id);
      if (result?.StatusCode && result.StatusCode !== "Complete" && result.StatusCode !== "PartialData") {
        errors.push(`${side} ${name}: CloudWatch status ${result.StatusCode}`);
        continue;
      }
      for (const message of result?.Messages ?? [])
        errors.push(`${side} ${name}: ${message.Code}: ${message.Value}`);
      // Errors are read at the requests' period so the two make one error rate.
      const raw = name === "errors" && requests ? valueAt(result, requests.at) : newest(result)?.value;
      if (raw === undefined) continue;
      this.assign(sample, name, raw);
    }
    if (requests) sample.sampleAgeSeconds = Math.max(0, (at - (requests.at + periodMs)) / 1000);
    return sample;
  }

  /**
   * The requests and errors of each whole period older than the ingestion delay (and not before
   * the rollout's start), as per-period readings for the ledger: each period counted once, a
   * period whose Sum grew later (late datapoints) counted for the difference.
   */
  private periodCounts(
    results: Map<string, MetricDataResult>,
    at: number,
    periodMs: number,
    from: number,
    context: SampleContext,
  ): CounterSnapshot {
    const delayMs = this.options.cfg.rollout.ingestionDelaySeconds * 1000;
    const judgedEnd = Math.floor((at - delayMs) / periodMs) * periodMs;
    const since = context.since === undefined ? from : Math.floor(context.since / periodMs) * periodMs;
    const readings = (id: string) => {
      const r = results.get(id);
      return (r?.Timestamps ?? []).flatMap((timestamp, i) => {
        const period = new Date(timestamp).getTime();
        const value = r?.Values?.[i];
        if (value === undefined || !Number.isFinite(value) || period < since || period + periodMs > judgedEnd)
          return [];
        return [{ series: id, value, period }];
      });
    };
    const side = (name: "canary" | "stable") => ({
      requests: readings(`${name}_requests`),
      errors: readings(`${name}_errors`),
    });
    return { at: judgedEnd, from: Math.max(from, since), canary: side("canary"), stable: side("stable") };
  }

  private empty(): SideSample {
    const sample = emptySideSample();
    // Health is reported only where the stage judges it (undefined = not reported).
    if (this.options.cfg.thresholds.health) sample.healthFailures = null;
    return sample;
  }

  private assign(sample: SideSample, name: string, raw: number): void {
    switch (name) {
      case "requests":
      case "errors":
        sample[name] = raw;
        return;
      case "p95LatencyMs":
      case "memory":
      case "cpu":
        sample[name] = fromCloudWatchUnits(name, raw);
        return;
      case "health": {
        const limit = this.options.cfg.thresholds.health?.rollbackAfterFailures;
        if (limit === undefined) return;
        // UnHealthyHostCount > 0 means a target failed the target group's unhealthy threshold of
        // checks in a row, which the stack sets from the same `rollbackAfterFailures`.
        sample.healthFailures = raw > 0 ? limit : 0;
        return;
      }
    }
  }
}
