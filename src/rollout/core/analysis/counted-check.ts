import { type CounterLedger, foldCounters, type SideDeltas } from "../sample/ledger";
import type { SideSample } from "../sample/sample";
import type { Check } from "./types";

/**
 * `analysis: consecutive` over a source that reads counts (Cloud Monitoring's DELTA points per
 * aligned period): each check judges what the ledger newly counted — the periods that became
 * visible since the last check, each counted once — instead of a window's `increase()`, which
 * has no stated meaning over DELTA points. A check without counts (Prometheus' raw counters are
 * read only by the sequential analysis) is judged as measured.
 */
export function withLedgerCounts(
  check: Check,
  ledger: CounterLedger | null | undefined,
): { check: Check; ledger: CounterLedger | null | undefined } {
  if (!check.counters && !check.deltas) return { check, ledger };
  const folded = check.counters ? foldCounters(ledger ?? null, check.counters) : null;
  const deltas = folded?.deltas ?? check.deltas;
  if (!deltas) return { check, ledger };
  return {
    check: {
      ...check,
      canary: counted(check.canary, deltas.canary),
      stable: counted(check.stable, deltas.stable),
    },
    ledger: folded?.ledger ?? ledger,
  };
}

/** A side's requests and errors from the ledger; a counter it could not count is no data. */
function counted(side: SideSample, deltas: SideDeltas): SideSample {
  return { ...side, requests: deltas.requests ?? null, errors: deltas.errors ?? null };
}
