import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CounterLedger, foldCounters } from "../../../src/rollout/core/ledger";
import type { CounterSnapshot } from "../../../src/rollout/core/sample";

/**
 * Counts that add up: a counter series served through a backend whose samples arrive late (a
 * reading at time t may still show an older value), with restarts (the counter falls back to 0).
 * Summing every check's delta must give exactly the requests served between the baseline and the
 * newest value read: none lost, none counted twice.
 */
function snapshot(at: number, value: number, baseline?: number): CounterSnapshot {
  return {
    at,
    canary: { requests: [{ series: "code=2xx", value }], errors: [] },
    stable: {},
    ...(baseline === undefined
      ? {}
      : { baseline: { at: 0, canary: { requests: [{ series: "code=2xx", value: baseline }] }, stable: {} } }),
  };
}

describe("counter ledger", () => {
  it("late samples: a reading that has not caught up adds nothing now and everything later", () => {
    let ledger: CounterLedger | null = null;
    const readings = [
      [1000, 100, 40], // baseline 40 at the rollout's start
      [2000, 100], // ingestion late: still 100
      [3000, 250],
      [3000, 250], // the same instant read twice
      [4000, 20], // the process restarted: 20 new requests
      [5000, 70],
    ] as const;
    const deltas = readings.map(([at, value, baseline]) => {
      const r = foldCounters(ledger, snapshot(at, value, baseline));
      ledger = r.ledger;
      return r.deltas.canary.requests;
    });
    expect(deltas).toEqual([60, 0, 150, 0, 20, 50]);
  });

  it("property: late readings lose and double-count nothing (sum of deltas = requests served)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ served: fc.nat(50), lag: fc.nat(3) }), { minLength: 1, maxLength: 40 }),
        (steps) => {
          const values = [0];
          for (const s of steps) values.push((values.at(-1) ?? 0) + s.served);
          const total = steps.reduce((sum, s) => sum + s.served, 0);
          let ledger: CounterLedger | null = null;
          let sum = 0;
          let newest = 0;
          steps.forEach((s, i) => {
            // The backend may not have ingested the newest samples: it shows a point up to 3
            // behind, never one older than it already showed.
            newest = Math.max(newest, i + 1 - s.lag);
            const shown = values[newest] ?? 0;
            const r = foldCounters(ledger, snapshot(1000 * (i + 1), shown, i === 0 ? 0 : undefined));
            ledger = r.ledger;
            sum += r.deltas.canary.requests ?? 0;
          });
          sum +=
            foldCounters(ledger, snapshot(1000 * (steps.length + 1), values.at(-1) ?? 0)).deltas.canary
              .requests ?? 0;
          expect(sum).toBe(total);
        },
      ),
    );
  });

  it("property: restarts read at each check lose nothing (a reset adds the new count)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ served: fc.nat(50), restart: fc.boolean() }), { minLength: 1, maxLength: 40 }),
        (steps) => {
          let value = 0;
          let ledger: CounterLedger | null = null;
          let sum = 0;
          let served = 0;
          steps.forEach((s, i) => {
            // A restart shows as a fall (Prometheus' rule); one that climbs back to the old value
            // between two reads cannot be told from no restart by any reader of the counter.
            value = s.restart && s.served < value ? s.served : value + s.served;
            served += s.served;
            const r = foldCounters(ledger, snapshot(1000 * (i + 1), value, i === 0 ? 0 : undefined));
            ledger = r.ledger;
            sum += r.deltas.canary.requests ?? 0;
          });
          expect(sum).toBe(served);
        },
      ),
    );
  });
});
