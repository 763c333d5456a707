/** What a metrics source measured; the pure core judges it, the edges fill it. */

/** One side's measurements over one check window; null = no data. */
export interface SideSample {
  requests: number | null;
  errors: number | null;
  /** Requests slower than the P95 limit (histogram bucket counts); absent when not measured. */
  slow?: number | null;
  p95LatencyMs: number | null;
  memory: number | null;
  cpu: number | null;
  /** Failed health checks in a row (platforms that report them). */
  healthFailures?: number | null;
  /** Seconds since the newest sample; large means stale. */
  sampleAgeSeconds?: number | null;
}

/** A side with no measurement yet: every signal "no data" until a query fills it. */
export function emptySideSample(): SideSample {
  return {
    requests: null,
    errors: null,
    p95LatencyMs: null,
    memory: null,
    cpu: null,
    sampleAgeSeconds: null,
  };
}

/**
 * One counter series' value; `series` identifies it (its labels, sorted). Cumulative (a
 * Prometheus counter) unless `period` is set: then the count of that one aligned period (a Cloud
 * Monitoring DELTA point summed per period, a CloudWatch period Sum).
 */
export interface CounterReading {
  series: string;
  value: number;
  /** Cumulative series: when its process started (epoch ms); a later start says the count reset. */
  startedAt?: number;
  /** Per-period series: the start (epoch ms) of the aligned period `value` counts. */
  period?: number;
}

/** The counters the sequential analysis differences, per side. */
export const COUNTER_NAMES = ["requests", "errors", "latencyCount", "latencyFast"] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];
export type SideCounters = Partial<Record<CounterName, CounterReading[]>>;

/**
 * Raw cumulative counter readings at one evaluation instant (`now - ingestionDelay`), and at the
 * instant the rollout started (the baseline, used only when the ledger is empty).
 */
export interface CounterSnapshot {
  /** Epoch milliseconds the readings were evaluated at. */
  at: number;
  canary: SideCounters;
  stable: SideCounters;
  baseline?: { at: number; canary: SideCounters; stable: SideCounters };
  /** Per-period readings: the start of the oldest period read (older ones are never read again). */
  from?: number;
}

export interface MetricsSample {
  /** Epoch milliseconds the sample was taken. */
  at: number;
  canary: SideSample;
  stable: SideSample;
  /** The queries behind the numbers, by signal, for the decision record. */
  queries: Record<string, string>;
  /** Errors talking to the metrics backend; any makes the check inconclusive. */
  errors: string[];
  /** Raw counter readings, when the source reads them (Prometheus). */
  counters?: CounterSnapshot;
}

/** What the runner tells a source about the rollout it samples for. */
export interface SampleContext {
  /** Epoch ms the rollout started: the baseline instant of cumulative counters. */
  since?: number;
  /**
   * Epoch ms the counts already judged reach (the ledger's newest reading): a per-period source
   * reads back from before it, so a runner that was away (restarted, paused) still counts the
   * periods that arrived late meanwhile.
   */
  countedUntil?: number;
}
