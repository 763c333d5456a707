import { setMaxListeners } from "node:events";
import type { StageConfig } from "../../../config";
import { type Side, sideQueries } from "../../../signals";
import {
  COUNTER_NAMES,
  type CounterSnapshot,
  emptySideSample,
  type MetricsSample,
  type SampleContext,
  type SideSample,
} from "../../core/sample/sample";
import type { MetricsSource } from "../types";
import type { CounterReader } from "./counter-reader";
import { type BearerTokenProvider, googleBearerToken } from "./google-token";
import { PrometheusCounters } from "./prometheus-counters";
import { instantQuery, redactUrl, splitCredentials } from "./prometheus-query";
import { queryKey } from "./query-key";

export interface PrometheusMetricsSourceOptions {
  /**
   * Prometheus root (`http://127.0.0.1:9090`) or Cloud Monitoring's PromQL root
   * (`https://monitoring.googleapis.com/v1/projects/PROJECT/location/global/prometheus`).
   */
  baseUrl: string;
  cfg: StageConfig;
  /** "google": bearer tokens from Application Default Credentials (Cloud Monitoring). */
  auth?: "google";
  /** Overrides where tokens come from (tests; other identity providers). Implies auth. */
  token?: BearerTokenProvider;
  fetch?: typeof fetch;
  /** Epoch milliseconds; the instant every query of a sample is evaluated at. */
  now?: () => number;
  /** Per query. */
  timeoutMs?: number;
  /** The signal that gives up after `timeoutMs` (default `AbortSignal.timeout`); tests fire it on an event. */
  timeoutSignal?: (ms: number) => AbortSignal;
  /**
   * Where the sequential analysis's counts come from: default, this endpoint's raw cumulative
   * counters; on Cloud Run, Cloud Monitoring's DELTA points per aligned period.
   */
  counters?: CounterReader;
}

/** The signals the runner judges, as named in both `SideSample` and `sideQueries`. */
export const PROMETHEUS_SIGNALS = [
  "requests",
  "errors",
  "slow",
  "p95LatencyMs",
  "memory",
  "cpu",
  "sampleAgeSeconds",
] as const satisfies readonly (keyof SideSample)[];

const SIDES: readonly Side[] = ["canary", "stable"];

/**
 * Samples both sides of the split with the signals module's PromQL. A query that fails leaves its
 * value null and adds an error, so the check is inconclusive, never a pass.
 */
/** What the queries of one sample share: the token, the abort signals, where errors and queries go. */
interface SampleQueries {
  token: string | undefined;
  perSample: AbortSignal;
  signal: AbortSignal | undefined;
  errors: string[];
  queries: Record<string, string>;
}

export class PrometheusMetricsSource implements MetricsSource {
  readonly description: string;
  private readonly queryUrl: string;
  private readonly basicAuth?: string;
  private readonly token?: BearerTokenProvider;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly counters: CounterReader;

  constructor(private readonly options: PrometheusMetricsSourceOptions) {
    const { url, basicAuth } = splitCredentials(options.baseUrl);
    this.queryUrl = `${url.replace(/\/+$/, "")}/api/v1/query`;
    this.basicAuth = basicAuth;
    this.token = options.token ?? (options.auth === "google" ? googleBearerToken() : undefined);
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.counters =
      options.counters ??
      new PrometheusCounters({
        cfg: options.cfg,
        queryUrl: this.queryUrl,
        fetch: this.fetch,
        basicAuth: this.basicAuth,
        timeoutMs: this.timeoutMs,
      });
    this.description = `Prometheus API ${redactUrl(options.baseUrl)}${this.token ? " (bearer auth)" : ""}`;
  }

  async sample(signal?: AbortSignal, context: SampleContext = {}): Promise<MetricsSample> {
    signal?.throwIfAborted();
    const at = this.now();
    const errors: string[] = [];
    const queries: Record<string, string> = {};
    const sides: Record<Side, SideSample> = { canary: emptySideSample(), stable: emptySideSample() };
    const token = await this.bearerToken(errors);
    // Without the token it needs, no query is sent: the check is inconclusive, once.
    const canQuery = !(this.token && token === undefined);

    // The queries of one sample listen on a short-lived signal of their own: listening on the
    // runner's long-lived one would add a listener per query for the whole rollout.
    const perSample = new AbortController();
    setMaxListeners(
      SIDES.length * (PROMETHEUS_SIGNALS.length + 2 * (COUNTER_NAMES.length + 1)) + 1,
      perSample.signal,
    );
    const forward = () => perSample.abort(signal?.reason);
    signal?.addEventListener("abort", forward, { once: true });

    const query = { token, perSample: perSample.signal, signal, errors, queries };
    const gauges = SIDES.map((side) => this.readSignals(side, at, sides[side], canQuery, query));
    // Raw counters serve the sequential analysis; counted periods (Cloud Monitoring) serve both.
    const readCounts =
      canQuery && (this.options.cfg.rollout.analysis === "sequential" || this.options.counters !== undefined);
    const counters = readCounts
      ? this.counters.read({ at, context, token, signal: perSample.signal, outer: signal, errors, queries })
      : undefined;
    let snapshot: CounterSnapshot | undefined;
    try {
      await Promise.all(gauges);
      snapshot = await counters;
    } finally {
      signal?.removeEventListener("abort", forward);
    }
    errors.sort();
    return {
      at,
      canary: sides.canary,
      stable: sides.stable,
      queries,
      errors,
      ...(snapshot ? { counters: snapshot } : {}),
    };
  }

  /** One token per sample: a credentials problem is one error, not twelve. */
  private async bearerToken(errors: string[]): Promise<string | undefined> {
    if (!this.token) return undefined;
    try {
      return await this.token();
    } catch (error) {
      errors.push(`no bearer token for ${redactUrl(this.options.baseUrl)}: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** The judged signals of one side at `at`, into `into`; every query is recorded even when not sent. */
  private async readSignals(
    side: Side,
    at: number,
    into: SideSample,
    canQuery: boolean,
    q: SampleQueries,
  ): Promise<void> {
    const promql = sideQueries(this.options.cfg, side);
    // The windows end where the data is whole (`ingestionDelaySeconds`: Cloud Monitoring shows a
    // point up to 240 s after it is sampled, so a 60 s window at now is often empty); the age of
    // the newest sample is measured from now.
    const judgedAt = at - this.options.cfg.rollout.ingestionDelaySeconds * 1000;
    const jobs: Promise<void>[] = [];
    for (const name of PROMETHEUS_SIGNALS) {
      q.queries[queryKey(side, name)] = promql[name];
      if (!canQuery) continue;
      jobs.push(
        this.instant(promql[name], name === "sampleAgeSeconds" ? at : judgedAt, q).then(
          (value) => {
            // increase() extrapolates to the window's edges; requests are whole.
            into[name] =
              value !== null && (name === "requests" || name === "errors" || name === "slow")
                ? Math.round(value)
                : value;
          },
          (error: unknown) => {
            if (q.signal?.aborted) throw q.signal.reason;
            q.errors.push(`${side} ${name}: ${(error as Error).message}`);
          },
        ),
      );
    }
    await Promise.all(jobs);
  }

  private instant(query: string, at: number, q: SampleQueries): Promise<number | null> {
    return instantQuery({
      url: this.queryUrl,
      query,
      time: at / 1000,
      fetch: this.fetch,
      token: q.token === undefined ? undefined : async () => q.token as string,
      basicAuth: this.basicAuth,
      timeoutMs: this.timeoutMs,
      timeoutSignal: this.options.timeoutSignal,
      signal: q.perSample,
    });
  }
}
