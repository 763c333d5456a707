import { firstTrafficAt } from "../first-traffic";
import type { DecisionRecord, SignalRecord } from "../record";
import type { MeasuredRecord } from "../sample/measured";
import type { SideSample } from "../sample/sample";
import type { TraceDocument } from "./format";

/**
 * A past rollout's journal as a backtest trace: the measured values each check recorded. Pure.
 *
 * A record with `measured` (journals written since the sequential analysis) carries the raw sample of both sides, `slow`
 * included, and under the sequential analysis the ledger's counts (`deltas`): replayed as they are,
 * so a journal replays to exactly its recorded decisions under either analysis.
 *
 * Older records keep only what the analysis judged, so the canary's counts are recovered from the
 * error-rate evidence: a block's pooled requests and errors (`sampleSize`, `detail.blockErrors`)
 * minus what the block held at the previous check. Stable's counts exist only where the relative
 * check recorded them, pooled per judged block: the judged check gets the block's totals and the
 * pending ones zero, which leaves every pooled sum, and so the decision under the same thresholds,
 * as it was. A sequential record's evidence names its check's counts (`evidence.check`) directly.
 */

type Side = Record<string, number | null>;
type TraceCheck = TraceDocument["checks"][number];

interface Block {
  requests: number;
  errors: number;
}

function signal(record: DecisionRecord, name: SignalRecord["signal"]): SignalRecord | undefined {
  return record.signals.find((s) => s.signal === name);
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** Canary counts of one check from its error-rate record and the block pending before it. */
function counts(error: SignalRecord | undefined, pending: Block): { check: Side; pending: Block } {
  // Sequential records: the evidence names this check's own counts.
  if (error?.evidence) return { check: { ...error.evidence.check }, pending };
  const pooledErrors = num(error?.detail?.blockErrors);
  const pooledRequests = num(error?.sampleSize);
  if (!error || pooledErrors === null || pooledRequests === null) {
    // Inconclusive (no data, stale, inconsistent): the analysis kept the block as it was.
    return { check: { requests: null, errors: null }, pending };
  }
  const check = { requests: pooledRequests - pending.requests, errors: pooledErrors - pending.errors };
  const judged = error.detail?.wilsonLower !== undefined;
  return {
    check,
    pending: judged ? { requests: 0, errors: 0 } : { requests: pooledRequests, errors: pooledErrors },
  };
}

/** Stable's counts, known only where the relative check ran: a judged block's totals, zero while pending. */
function stableSide(error: SignalRecord | undefined): Side {
  const requests = num(error?.detail?.stableRequests);
  const rate = num(error?.detail?.stableRate);
  if (requests !== null) return { requests, errors: rate === null ? 0 : Math.round(rate * requests) };
  const pendingInComparison =
    error?.threshold.compareToStable !== undefined &&
    error.detail?.blockChecks !== undefined &&
    error.detail.wilsonLower === undefined;
  return pendingInComparison ? { requests: 0, errors: 0 } : { requests: null, errors: null };
}

function staleAge(record: DecisionRecord): number | undefined {
  for (const reason of record.reasons) {
    const match = /stale data \((\d+(?:\.\d+)?) s old/.exec(reason);
    if (match) return Number(match[1]);
  }
  return undefined;
}

/** A recorded sample as a trace side (the trace says `p95Ms`). */
function traceSide(side: Partial<SideSample> | null | undefined): Side | null {
  if (!side) return null;
  const { p95LatencyMs, ...rest } = side;
  const out: Side = { p95Ms: num(p95LatencyMs) };
  for (const [key, value] of Object.entries(rest)) out[key] = num(value);
  return out;
}

function backendErrors(record: DecisionRecord): { errors?: string[] } {
  const errors = record.reasons.filter((r) => r.startsWith("metrics error: ")).map((r) => r.slice(15));
  return errors.length > 0 ? { errors } : {};
}

function measuredCheck(record: DecisionRecord, measured: MeasuredRecord): TraceCheck {
  return {
    at: record.at,
    canary: traceSide(measured.canary),
    stable: traceSide(measured.stable),
    ...backendErrors(record),
    ...(measured.deltas ? { deltas: measured.deltas } : {}),
  };
}

function checkOf(record: DecisionRecord, canaryCounts: Side): TraceCheck {
  if (record.measured) return measuredCheck(record, record.measured);
  const canary: Side = {
    ...canaryCounts,
    p95Ms: signal(record, "p95LatencyMs")?.value ?? null,
    memory: signal(record, "memory")?.value ?? null,
    cpu: signal(record, "cpu")?.value ?? null,
  };
  const health = signal(record, "health");
  if (health) canary.healthFailures = health.value;
  const age = staleAge(record);
  if (age !== undefined) canary.sampleAgeSeconds = age;
  return { at: record.at, canary, stable: stableSide(signal(record, "errorRate")), ...backendErrors(record) };
}

export function traceFromJournal(
  records: DecisionRecord[],
  source: { stage: string; file: string },
): TraceDocument {
  // Operator actions (abort, promote, retire, interrupts) carry no signals: nothing was measured.
  const checks = records.filter((r) => r.signals.length > 0);
  if (checks.length === 0) throw new Error(`${source.file}: no check records to replay`);
  let pending: Block = { requests: 0, errors: 0 };
  const out: TraceCheck[] = [];
  for (const record of checks) {
    const next = counts(signal(record, "errorRate"), pending);
    pending = next.pending;
    out.push(checkOf(record, next.check));
  }
  // Step 1's bake counts from its first traffic, past the deploy at 0% and the gate, as it did live.
  const startedAt = firstTrafficAt(checks) ?? 0;
  return { source: { kind: "journal", stage: source.stage, file: source.file }, startedAt, checks: out };
}
