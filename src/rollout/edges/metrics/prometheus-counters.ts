import type { StageConfig } from "../../../config";
import type { Side } from "../../../signals";
import { sideCounterSeries } from "../../../signals/promql";
import { COUNTER_NAMES, type CounterSnapshot, type SideCounters } from "../../core/sample/sample";
import type { CounterRead, CounterReader } from "./counter-reader";
import { instantVector, type VectorSample } from "./prometheus-query";
import { queryKey } from "./query-key";

const SIDES: readonly Side[] = ["canary", "stable"];

export interface PrometheusCountersOptions {
  cfg: StageConfig;
  /** `<baseUrl>/api/v1/query`. */
  queryUrl: string;
  fetch: typeof fetch;
  basicAuth?: string;
  timeoutMs: number;
}

/**
 * Raw cumulative counters of both sides at the check (less the ingestion delay) and at the
 * rollout's start, each series with its process's start time (`process_start_time_seconds` of the
 * same job and instance) so the ledger tells a restart from a reading that is merely lower.
 */
export class PrometheusCounters implements CounterReader {
  constructor(private readonly options: PrometheusCountersOptions) {}

  async read(request: CounterRead): Promise<CounterSnapshot | undefined> {
    const delayMs = this.options.cfg.rollout.ingestionDelaySeconds * 1000;
    const since = request.context.since;
    const [now, baseline] = await Promise.all([
      this.readAt(request.at - delayMs, request),
      since === undefined ? undefined : this.readAt(since, request),
    ]);
    if (!now) return undefined;
    return {
      at: request.at - delayMs,
      ...now,
      ...(baseline && since !== undefined ? { baseline: { at: since, ...baseline } } : {}),
    };
  }

  /** Both sides' counters at `time` (epoch ms); undefined when any read failed. */
  private async readAt(
    time: number,
    request: CounterRead,
  ): Promise<{ canary: SideCounters; stable: SideCounters } | undefined> {
    const out: { canary: SideCounters; stable: SideCounters } = { canary: {}, stable: {} };
    let failed = false;
    const query = async (side: Side, name: string, promql: string) => {
      request.queries[queryKey(side, `${name}Counter`)] = promql;
      try {
        return await this.vector(promql, time, request);
      } catch (error) {
        if (request.outer?.aborted) throw request.outer.reason;
        failed = true;
        request.errors.push(`${side} ${name} counters: ${(error as Error).message}`);
        return [];
      }
    };
    const jobs = SIDES.map(async (side) => {
      const series = sideCounterSeries(this.options.cfg, side);
      const [starts, ...readings] = await Promise.all([
        query(side, "processStart", series.processStart),
        ...COUNTER_NAMES.map((name) => query(side, name, series[name])),
      ]);
      const startOf = startTimes(starts ?? []);
      COUNTER_NAMES.forEach((name, i) => {
        out[side][name] = (readings[i] ?? []).map((r) => {
          const startedAt = startOf(r.labels);
          return { series: r.series, value: r.value, ...(startedAt === undefined ? {} : { startedAt }) };
        });
      });
    });
    await Promise.all(jobs);
    return failed ? undefined : out;
  }

  private vector(query: string, time: number, request: CounterRead): Promise<VectorSample[]> {
    return instantVector({
      url: this.options.queryUrl,
      query,
      time: time / 1000,
      fetch: this.options.fetch,
      token: request.token === undefined ? undefined : async () => request.token as string,
      basicAuth: this.options.basicAuth,
      timeoutMs: this.options.timeoutMs,
      signal: request.signal,
    });
  }
}

/** The start time (epoch ms) of the process behind a series: the one with its job and instance. */
function startTimes(starts: VectorSample[]): (labels: Record<string, string>) => number | undefined {
  const byTarget = new Map<string, number>();
  for (const s of starts) byTarget.set(`${s.labels.job ?? ""}|${s.labels.instance ?? ""}`, s.value * 1000);
  return (labels) => byTarget.get(`${labels.job ?? ""}|${labels.instance ?? ""}`);
}
