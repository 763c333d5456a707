import type { Check } from "../analysis/types";
import { type CounterLedger, foldCounters, type LedgerDeltas } from "./ledger";
import type { SideSample } from "./sample";

/**
 * What one check measured, as its decision record keeps it (`measured`), so a journal replays to
 * the same decisions (core/trace/from-journal.ts). Pure, numbers only (a journal line stays small):
 * each side's raw sample (requests, errors, slow, P95, memory, CPU, health, sample age), and where
 * the sequential analysis read raw counters, the exact counts its ledger took from them (`deltas`).
 */
export interface MeasuredRecord {
  canary: SideSample;
  stable: SideSample;
  /** Ledger differences the sequential analysis judged instead of the windows' counts. */
  deltas?: LedgerDeltas;
}

const SIDE_KEYS = [
  "requests",
  "errors",
  "slow",
  "p95LatencyMs",
  "memory",
  "cpu",
  "healthFailures",
  "sampleAgeSeconds",
] as const;

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** A side's values, numbers or null; keys the source never filled stay absent. */
export function sideNumbers(side: Partial<SideSample> | null | undefined): SideSample {
  const out: SideSample = { requests: null, errors: null, p95LatencyMs: null, memory: null, cpu: null };
  for (const key of SIDE_KEYS) {
    if (side && key in side) out[key] = numberOrNull(side[key]);
  }
  return out;
}

/**
 * The check's measurements. `ledger`: the sequential analysis's ledger before this check, or
 * undefined when the check was not judged sequentially (its counters were not read).
 */
export function measuredOf(check: Check, ledger: CounterLedger | null | undefined): MeasuredRecord {
  const base = { canary: sideNumbers(check.canary), stable: sideNumbers(check.stable) };
  if (ledger === undefined || !check.counters) return base;
  return { ...base, deltas: foldCounters(ledger, check.counters).deltas };
}
