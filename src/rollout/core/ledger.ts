import { COUNTER_NAMES, type CounterName, type CounterSnapshot, type SideCounters } from "./sample";

/**
 * Counts that add up: each check's requests, errors and slow requests as exact differences of raw
 * cumulative counters, so summing checks neither loses nor double-counts a request however late
 * samples arrive. Per series the ledger keeps the last value it saw; a new reading adds
 * `value - last`, or `value` when the counter went down (a reset: the process restarted from 0).
 * A series absent from a reading keeps its last value (a late or missing sample adds nothing now
 * and everything when it shows up). A reading not newer than the last adds nothing.
 *
 * Telescoping: the sum of every delta equals, per series, the last value minus the baseline plus
 * the values lost to resets' restarts — each request counted once (test/rollout/core/ledger.test.ts).
 */
export interface CounterLedger {
  /** Epoch ms of the newest reading folded in. */
  at: number;
  /** Last value per `side|counter|series`. */
  last: Record<string, number>;
}

export type SideDeltas = Partial<Record<CounterName, number>>;
export interface LedgerDeltas {
  canary: SideDeltas;
  stable: SideDeltas;
}

const SIDES = ["canary", "stable"] as const;

/** A ledger from the rollout's baseline readings (everything before them is not this rollout's). */
export function ledgerFrom(at: number, sides: { canary: SideCounters; stable: SideCounters }): CounterLedger {
  const last: Record<string, number> = {};
  for (const side of SIDES) {
    for (const name of COUNTER_NAMES) {
      for (const r of sides[side][name] ?? []) last[`${side}|${name}|${r.series}`] = r.value;
    }
  }
  return { at, last };
}

/**
 * Folds one snapshot in. With no ledger yet, the snapshot's baseline (or, without one, the
 * snapshot itself: nothing is counted) starts it. Returns the new ledger and this check's deltas;
 * a counter with no readings at all has no delta (unknown, not zero).
 */
export function foldCounters(
  ledger: CounterLedger | null,
  snapshot: CounterSnapshot,
): { ledger: CounterLedger; deltas: LedgerDeltas } {
  const start = ledger ?? (snapshot.baseline ? ledgerFrom(snapshot.baseline.at, snapshot.baseline) : null);
  if (start === null) return { ledger: ledgerFrom(snapshot.at, snapshot), deltas: zeroDeltas(snapshot) };
  if (snapshot.at <= start.at) return { ledger: start, deltas: zeroDeltas(snapshot) };
  const last = { ...start.last };
  const deltas: LedgerDeltas = { canary: {}, stable: {} };
  for (const side of SIDES) {
    for (const name of COUNTER_NAMES) {
      const readings = snapshot[side][name];
      if (readings === undefined) continue;
      let sum = 0;
      for (const r of readings) {
        const key = `${side}|${name}|${r.series}`;
        const before = last[key];
        sum += before === undefined ? r.value : r.value >= before ? r.value - before : r.value;
        last[key] = r.value;
      }
      deltas[side][name] = sum;
    }
  }
  return { ledger: { at: snapshot.at, last }, deltas };
}

function zeroDeltas(snapshot: CounterSnapshot): LedgerDeltas {
  const zero = (side: SideCounters): SideDeltas =>
    Object.fromEntries(COUNTER_NAMES.filter((n) => side[n] !== undefined).map((n) => [n, 0]));
  return { canary: zero(snapshot.canary), stable: zero(snapshot.stable) };
}
