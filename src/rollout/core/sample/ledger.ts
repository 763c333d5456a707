import {
  COUNTER_NAMES,
  type CounterName,
  type CounterReading,
  type CounterSnapshot,
  type SideCounters,
} from "./sample";

/**
 * Counts that add up, from either shape of data a backend serves (docs/cloud-edges.md):
 *
 * - Cumulative counters (Prometheus): each check adds `value - last` per series. A lower reading
 *   is a reset only when the series says so — a later `startedAt` (its process's start time) —
 *   and then adds its whole value. Any other lower reading (a replica answering late, a rounded
 *   rate) is not evidence of anything: that side's counts are unknown this check (the check is
 *   inconclusive) and its ledger does not move, so the next good reading counts everything since.
 * - Per-period counts (Cloud Monitoring DELTA points, CloudWatch period sums), `period` set: each
 *   (series, period) adds what it has not added before, so a period that arrives late is counted
 *   when it arrives and none twice. Periods older than the snapshot's window are forgotten.
 *
 * A series absent from a reading keeps its last value (a late sample adds nothing now and
 * everything when it shows up). A reading not newer than the last adds nothing.
 */
export interface CounterLedger {
  /** Epoch ms of the newest reading folded in. */
  at: number;
  /** Last value per `side|counter|series` (cumulative), or count taken per `side|counter|series|@period`. */
  last: Record<string, number>;
  /** Process start (epoch ms) per cumulative `side|counter|series`, when the source reads it. */
  started?: Record<string, number>;
}

export type SideDeltas = Partial<Record<CounterName, number>>;
export interface LedgerDeltas {
  canary: SideDeltas;
  stable: SideDeltas;
}

const SIDES = ["canary", "stable"] as const;
type Side = (typeof SIDES)[number];
const PERIOD_MARK = "|@";

function keyOf(side: Side, name: CounterName, r: CounterReading): string {
  const key = `${side}|${name}|${r.series}`;
  return r.period === undefined ? key : `${key}${PERIOD_MARK}${r.period}`;
}

/** A ledger from the rollout's baseline readings (everything before them is not this rollout's). */
export function ledgerFrom(at: number, sides: { canary: SideCounters; stable: SideCounters }): CounterLedger {
  const last: Record<string, number> = {};
  const started: Record<string, number> = {};
  for (const side of SIDES) {
    for (const name of COUNTER_NAMES) {
      for (const r of sides[side][name] ?? []) {
        const key = keyOf(side, name, r);
        last[key] = r.value;
        if (r.startedAt !== undefined) started[key] = r.startedAt;
      }
    }
  }
  return { at, last, started };
}

function isPeriodic(snapshot: CounterSnapshot): boolean {
  return SIDES.some((side) =>
    COUNTER_NAMES.some((name) => (snapshot[side][name] ?? []).some((r) => r.period !== undefined)),
  );
}

/** The ledger a snapshot starts from when there is none: its baseline, or nothing to count from. */
function startingLedger(snapshot: CounterSnapshot): CounterLedger | null {
  if (snapshot.baseline) return ledgerFrom(snapshot.baseline.at, snapshot.baseline);
  // Period counts need no baseline: the source reads only the rollout's own periods.
  return isPeriodic(snapshot) ? { at: 0, last: {}, started: {} } : null;
}

/**
 * Folds one snapshot in. With no ledger yet, the snapshot's baseline (or, without one, the
 * snapshot itself: nothing is counted) starts it. Returns the new ledger and this check's deltas;
 * a counter with no readings, or a side whose counters went down without a restart, has no delta
 * (unknown, not zero).
 */
export function foldCounters(
  ledger: CounterLedger | null,
  snapshot: CounterSnapshot,
): { ledger: CounterLedger; deltas: LedgerDeltas } {
  const start = ledger ?? startingLedger(snapshot);
  if (start === null) return { ledger: ledgerFrom(snapshot.at, snapshot), deltas: zeroDeltas(snapshot) };
  if (snapshot.at <= start.at) return { ledger: start, deltas: zeroDeltas(snapshot) };
  const next: CounterLedger = { at: snapshot.at, last: { ...start.last }, started: { ...start.started } };
  const deltas: LedgerDeltas = { canary: {}, stable: {} };
  for (const side of SIDES) {
    const folded = foldSide(start, side, snapshot[side]);
    if (folded === null) continue; // unknown this check; the ledger keeps this side as it was
    Object.assign(next.last, folded.last);
    Object.assign(next.started ?? {}, folded.started);
    deltas[side] = folded.deltas;
  }
  if (snapshot.from !== undefined) forgetPeriodsBefore(next, snapshot.from);
  return { ledger: next, deltas };
}

interface SideFold {
  deltas: SideDeltas;
  last: Record<string, number>;
  started: Record<string, number>;
}

/** One side's counts, or null when a cumulative series went down without saying it restarted. */
function foldSide(ledger: CounterLedger, side: Side, counters: SideCounters): SideFold | null {
  const out: SideFold = { deltas: {}, last: {}, started: {} };
  for (const name of COUNTER_NAMES) {
    const readings = counters[name];
    if (readings === undefined) continue;
    let sum = 0;
    for (const r of readings) {
      const key = keyOf(side, name, r);
      const added = r.period === undefined ? cumulativeAdd(ledger, key, r) : periodAdd(ledger, key, r);
      if (added === null) return null;
      sum += added;
      out.last[key] = r.period === undefined ? r.value : Math.max(r.value, ledger.last[key] ?? 0);
      if (r.startedAt !== undefined) out.started[key] = r.startedAt;
    }
    out.deltas[name] = sum;
  }
  return out;
}

/** What a cumulative reading adds; null for a decrease the series does not explain. */
function cumulativeAdd(ledger: CounterLedger, key: string, r: CounterReading): number | null {
  const before = ledger.last[key];
  if (before === undefined) return r.value; // a series born after the baseline: all of it is new
  const startedBefore = ledger.started?.[key];
  const restarted = r.startedAt !== undefined && startedBefore !== undefined && r.startedAt > startedBefore;
  if (restarted) return r.value;
  return r.value >= before ? r.value - before : null;
}

/** What a period's count adds: only what this (series, period) has not added before. */
function periodAdd(ledger: CounterLedger, key: string, r: CounterReading): number {
  return Math.max(0, r.value - (ledger.last[key] ?? 0));
}

function forgetPeriodsBefore(ledger: CounterLedger, from: number): void {
  for (const key of Object.keys(ledger.last)) {
    const mark = key.lastIndexOf(PERIOD_MARK);
    if (mark >= 0 && Number(key.slice(mark + PERIOD_MARK.length)) < from) delete ledger.last[key];
  }
}

function zeroDeltas(snapshot: CounterSnapshot): LedgerDeltas {
  const zero = (side: SideCounters): SideDeltas =>
    Object.fromEntries(COUNTER_NAMES.filter((n) => side[n] !== undefined).map((n) => [n, 0]));
  return { canary: zero(snapshot.canary), stable: zero(snapshot.stable) };
}
