import type { TraceDocument } from "./format";

/**
 * Turns series recorded from a metrics store (one value per check time, null = no data) into a
 * backtest trace. Pure. The rules that keep a gap a gap:
 * - a side's error count is null whenever its request count is null: the error queries answer 0
 *   when no 5xx series exists (`or vector(0)`, CloudWatch's `FILL(errors5xx, 0)`), and that 0
 *   must not turn a scrape gap into a clean check;
 * - counts are whole (`increase()` extrapolates to the window's edges), as the runner rounds them;
 * - anything not finite (NaN, ±Inf from a histogram's top bucket) is null, as the runner judges it.
 */

export type TraceSide = "canary" | "stable";
export const TRACE_SIGNALS = [
  "requests",
  "errors",
  "slow",
  "p95Ms",
  "memory",
  "cpu",
  "healthFailures",
  "sampleAgeSeconds",
] as const;
export type TraceSignal = (typeof TRACE_SIGNALS)[number];

/** Per side, per signal: one value per check time; a signal the source lacks is left out. */
export type RecordedSeries = Record<TraceSide, Partial<Record<TraceSignal, (number | null)[]>>>;

/** What a metrics store gave for a range: the check times (epoch ms) and their series. */
export interface RecordedTrace {
  checkTimesMs: number[];
  series: RecordedSeries;
  /** The metrics source, credentials redacted. */
  description: string;
}

export interface TraceSource {
  kind: "prometheus" | "cloudwatch" | "journal";
  stage: string;
  canary: string;
  stable: string;
  /** ISO 8601. */
  from?: string;
  to?: string;
  stepSeconds?: number;
  /** The metrics source, credentials redacted. */
  metrics?: string;
  [key: string]: unknown;
}

const COUNTS: ReadonlySet<TraceSignal> = new Set(["requests", "errors", "slow"]);

function clean(signal: TraceSignal, value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return COUNTS.has(signal) ? Math.max(0, Math.round(value)) : value;
}

function sideAt(series: RecordedSeries[TraceSide], index: number): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const signal of TRACE_SIGNALS) {
    const values = series[signal];
    if (values) out[signal] = clean(signal, values[index]);
  }
  if (out.requests === null) {
    if ("errors" in out) out.errors = null;
    if ("slow" in out) out.slow = null;
  }
  return out;
}

/**
 * The trace of checks at `checkAtSeconds` (seconds since the first step started, which is
 * `startedAt: 0`: the `--from` time).
 */
export function buildTrace(input: {
  checkAtSeconds: number[];
  series: RecordedSeries;
  source: TraceSource;
}): TraceDocument {
  return {
    source: input.source,
    startedAt: 0,
    checks: input.checkAtSeconds.map((at, index) => ({
      at,
      canary: sideAt(input.series.canary, index),
      stable: sideAt(input.series.stable, index),
    })),
  };
}

/** How many checks have no request count on the canary side: the gaps a reader should know of. */
export function countGaps(document: TraceDocument): number {
  return document.checks.filter((c) => c.canary?.requests === null || c.canary?.requests === undefined)
    .length;
}
