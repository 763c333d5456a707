/** What a metrics source measured; the pure core judges it, the edges fill it. */

/** One side's measurements over one check window; null = no data. */
export interface SideSample {
  requests: number | null;
  errors: number | null;
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

export interface MetricsSample {
  /** Epoch milliseconds the sample was taken. */
  at: number;
  canary: SideSample;
  stable: SideSample;
  /** The queries behind the numbers, by signal, for the decision record. */
  queries: Record<string, string>;
  /** Errors talking to the metrics backend; any makes the check inconclusive. */
  errors: string[];
}
