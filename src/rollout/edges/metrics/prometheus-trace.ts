import type { StageConfig } from "../../../config";
import { type QuerySet, type Side, sideQueries } from "../../../signals";
import type { RecordedSeries, RecordedTrace, TraceSignal } from "../../core/trace/build";
import { checkTimes, type TimeRange } from "../../core/trace/check-times";
import { type BearerTokenProvider, googleBearerToken } from "./google-token";
import { PrometheusQueryError, redactUrl, splitCredentials } from "./prometheus-query";
import { type RangeValues, rangeQuery } from "./prometheus-range";

/**
 * Records a trace's series from Prometheus or Cloud Monitoring's PromQL endpoint: the runner's own
 * per-side queries (`sideQueries`, the signals module), each evaluated at every check time with
 * `query_range`, over a window of one step, so each check counts each request once.
 */
export interface PrometheusTraceOptions {
  /** Prometheus root, or Cloud Monitoring's PromQL root. */
  baseUrl: string;
  /** The stage config with the trace's canary and stable release names. */
  cfg: StageConfig;
  range: TimeRange;
  auth?: "google";
  token?: BearerTokenProvider;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Check times per request; Prometheus refuses more than 11 000 points per series. */
  pointsPerRequest?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** The runner's query names → the trace's; `slow` where the signals module has it. */
const QUERY_TO_TRACE: [string, TraceSignal][] = [
  ["requests", "requests"],
  ["errors", "errors"],
  ["slow", "slow"],
  ["p95LatencyMs", "p95Ms"],
  ["memory", "memory"],
  ["cpu", "cpu"],
  ["sampleAgeSeconds", "sampleAgeSeconds"],
];

interface Job {
  side: Side;
  signal: TraceSignal;
  query: string;
}

function jobsFor(cfg: StageConfig, windowSeconds: number): Job[] {
  const jobs: Job[] = [];
  for (const side of ["canary", "stable"] as const) {
    const queries: Partial<Record<string, string>> = sideQueries(cfg, side, windowSeconds) satisfies QuerySet;
    for (const [name, signal] of QUERY_TO_TRACE) {
      const query = queries[name];
      if (query !== undefined) jobs.push({ side, signal, query });
    }
  }
  return jobs;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function recordPrometheusTrace(options: PrometheusTraceOptions): Promise<RecordedTrace> {
  const { url, basicAuth } = splitCredentials(options.baseUrl);
  const rangeUrl = `${url.replace(/\/+$/, "")}/api/v1/query_range`;
  const tokens = options.token ?? (options.auth === "google" ? googleBearerToken() : undefined);
  const times = checkTimes(options.range);
  const jobs = jobsFor(options.cfg, options.range.stepSeconds);
  const parts = chunks(times, options.pointsPerRequest ?? 1_000);
  const found = new Map<Job, RangeValues>(jobs.map((job) => [job, new Map()]));
  const total = parts.length * jobs.length;
  let done = 0;
  for (const part of parts) {
    // A token per chunk: a long recording outlives one Google access token.
    const token = tokens ? await tokens() : undefined;
    await Promise.all(
      jobs.map(async (job) => {
        try {
          const values = await rangeQuery({
            url: rangeUrl,
            query: job.query,
            start: (part[0] as number) / 1000,
            end: (part.at(-1) as number) / 1000,
            stepSeconds: options.range.stepSeconds,
            fetch: options.fetch ?? globalThis.fetch,
            token: token === undefined ? undefined : async () => token,
            basicAuth,
            timeoutMs: options.timeoutMs ?? 30_000,
            signal: options.signal,
          });
          for (const [at, value] of values) found.get(job)?.set(at, value);
        } catch (error) {
          if (options.signal?.aborted) throw options.signal.reason;
          throw new PrometheusQueryError(`${job.side} ${job.signal}: ${(error as Error).message}`);
        }
        options.onProgress?.(++done, total);
      }),
    );
  }
  const series: RecordedSeries = { canary: {}, stable: {} };
  for (const job of jobs) {
    const values = found.get(job) ?? new Map();
    // An evaluation time with no answer is a gap: null, never zero.
    series[job.side][job.signal] = times.map((t) => values.get(t) ?? null);
  }
  return {
    checkTimesMs: times,
    series,
    description: `Prometheus API ${redactUrl(options.baseUrl)}${tokens ? " (bearer auth)" : ""}`,
  };
}
