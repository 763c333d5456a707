import type { StageConfig } from "../../../config";
import { CLOUD_RUN_DELTA_METRICS, monitoringFilter, type Side, sideLabels } from "../../../signals";
import type { CounterReading, CounterSnapshot, SampleContext, SideCounters } from "../../core/sample/sample";
import type { CounterRead, CounterReader } from "./counter-reader";
import { countBelow, listTimeSeries, MONITORING_API, type TimeSeries } from "./monitoring-api";
import { queryKey } from "./query-key";

const SIDES: readonly Side[] = ["canary", "stable"];
/** Two hours of minutes: a runner away longer than that counts from there (bounded reads and state). */
const MAX_READ_BACK_PERIODS = 120;

export interface CloudMonitoringCountersOptions {
  cfg: StageConfig;
  project: string;
  fetch?: typeof fetch;
  /** Alignment period; Cloud Run samples its request metrics every 60 s. */
  periodSeconds?: number;
  /** The API's root; default Google's (`MONITORING_API`), the rehearsal's on loopback. */
  apiRoot?: string;
}

/**
 * Cloud Run's request counts as Cloud Monitoring holds them: DELTA points, summed per aligned
 * period (ALIGN_SUM), only for periods that ended longer ago than `rollout.ingestionDelaySeconds`
 * and began at or after the rollout's start. The window reaches back far enough that a point
 * arriving after the delay is still read, and counted then (the ledger counts each period once).
 */
export class CloudMonitoringCounters implements CounterReader {
  private readonly fetch: typeof fetch;
  private readonly periodMs: number;

  constructor(private readonly options: CloudMonitoringCountersOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.periodMs = (options.periodSeconds ?? 60) * 1000;
  }

  /**
   * The whole periods read at `at`: [from, end). `end` is the newest period boundary older than
   * the ingestion delay; `from` reaches back past the counts already judged by twice the delay
   * (late points), never before the rollout's start nor more than `MAX_READ_BACK_PERIODS`.
   */
  window(at: number, context: SampleContext): { from: number; end: number } {
    const P = this.periodMs;
    const delayMs = this.options.cfg.rollout.ingestionDelaySeconds * 1000;
    const end = Math.floor((at - delayMs) / P) * P;
    const reach = (2 * Math.ceil(delayMs / P) + 3) * P;
    const judged = Math.min(end, context.countedUntil ?? end);
    const start = context.since === undefined ? Number.NEGATIVE_INFINITY : Math.floor(context.since / P) * P;
    const from = Math.max(judged - reach, start, end - MAX_READ_BACK_PERIODS * P);
    return { from: Math.min(from, end), end };
  }

  async read(request: CounterRead): Promise<CounterSnapshot | undefined> {
    const { from, end } = this.window(request.at, request.context);
    const out: Record<Side, SideCounters> = { canary: {}, stable: {} };
    let failed = false;
    await Promise.all(
      SIDES.flatMap((side) =>
        (["requestCount", "requestLatencies"] as const).map(async (metric) => {
          const filter = monitoringFilter(
            CLOUD_RUN_DELTA_METRICS[metric],
            sideLabels(this.options.cfg, side),
          );
          request.queries[queryKey(side, `${metric}Periods`)] =
            `timeSeries.list ${filter} ALIGN_SUM ${this.periodMs / 1000}s`;
          if (end <= from) {
            Object.assign(out[side], emptyCounts(metric)); // no whole period judged yet
            return;
          }
          try {
            const series = await listTimeSeries({
              apiRoot: this.options.apiRoot ?? MONITORING_API,
              project: this.options.project,
              filter,
              start: from,
              end,
              periodSeconds: this.periodMs / 1000,
              token: request.token,
              fetch: this.fetch,
              signal: request.signal,
            });
            Object.assign(out[side], this.counts(metric, series, from, end));
          } catch (error) {
            if (request.outer?.aborted) throw request.outer.reason;
            failed = true;
            request.errors.push(`${side} ${metric} periods: ${(error as Error).message}`);
          }
        }),
      ),
    );
    return failed ? undefined : { at: end, from, canary: out.canary, stable: out.stable };
  }

  /** One metric's series as per-period readings: requests and 5xx, or measured and fast latencies. */
  private counts(metric: "requestCount" | "requestLatencies", list: TimeSeries[], from: number, end: number) {
    const counts = emptyCounts(metric) as Record<string, CounterReading[]>;
    const limit = this.options.cfg.thresholds.p95LatencyMs.rollbackAbove ?? 500;
    for (const ts of list) {
      const series = seriesKey(ts);
      const fiveXx = ts.metric?.labels?.response_code_class === "5xx";
      for (const point of ts.points ?? []) {
        const period = Date.parse(point.interval.endTime) - this.periodMs;
        if (!(period >= from && period + this.periodMs <= end)) continue;
        if (metric === "requestCount") {
          const value = Number(point.value.int64Value ?? point.value.doubleValue ?? 0);
          counts.requests?.push({ series, value, period });
          if (fiveXx) counts.errors?.push({ series, value, period });
          continue;
        }
        const dist = point.value.distributionValue ?? {};
        const fast = countBelow(dist, limit);
        counts.latencyCount?.push({ series, value: Number(dist.count ?? 0), period });
        if (fast === undefined) delete counts.latencyFast;
        else counts.latencyFast?.push({ series, value: fast, period });
      }
    }
    return counts;
  }
}

function emptyCounts(metric: "requestCount" | "requestLatencies"): SideCounters {
  return metric === "requestCount" ? { requests: [], errors: [] } : { latencyCount: [], latencyFast: [] };
}

/** A series' identity: its resource and metric labels, sorted. */
function seriesKey(ts: TimeSeries): string {
  const labels = { ...ts.resource?.labels, ...ts.metric?.labels };
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}
