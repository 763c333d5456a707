import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AnalysisState,
  analyseCheck,
  initialAnalysisState,
} from "../../../src/rollout/core/analysis/check";
import { type CounterLedger, foldCounters } from "../../../src/rollout/core/sample/ledger";
import type { CounterSnapshot } from "../../../src/rollout/core/sample/sample";
import { check, prod } from "../fixtures";

/**
 * Counts that add up: a counter series served through a backend whose samples arrive late (a
 * reading at time t may still show an older value), with restarts (the counter falls back to 0).
 * Summing every check's delta must give exactly the requests served between the baseline and the
 * newest value read: none lost, none counted twice.
 */
function snapshot(at: number, value: number, baseline?: number, startedAt?: number): CounterSnapshot {
  const reading = { series: "code=2xx", value, ...(startedAt === undefined ? {} : { startedAt }) };
  return {
    at,
    canary: { requests: [reading], errors: [] },
    stable: {},
    ...(baseline === undefined
      ? {}
      : {
          baseline: {
            at: 0,
            canary: { requests: [{ series: "code=2xx", value: baseline, startedAt: 1 }] },
            stable: {},
          },
        }),
  };
}

describe("counter ledger", () => {
  it("late samples: a reading that has not caught up adds nothing now and everything later", () => {
    let ledger: CounterLedger | null = null;
    const readings = [
      [1000, 100, 40, 1], // baseline 40 at the rollout's start
      [2000, 100, undefined, 1], // ingestion late: still 100
      [3000, 250, undefined, 1],
      [3000, 250, undefined, 1], // the same instant read twice
      [4000, 20, undefined, 3500], // the process restarted (its start time says so): 20 new requests
      [5000, 70, undefined, 3500],
    ] as const;
    const deltas = readings.map(([at, value, baseline, startedAt]) => {
      const r = foldCounters(ledger, snapshot(at, value, baseline, startedAt));
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

  it("property: restarts the series reports (a new start time) lose nothing, even one that climbed past the old value", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ served: fc.nat(50), restart: fc.boolean() }), { minLength: 1, maxLength: 40 }),
        (steps) => {
          let value = 0;
          let startedAt = 1;
          let ledger: CounterLedger | null = null;
          let sum = 0;
          let served = 0;
          steps.forEach((s, i) => {
            if (s.restart) startedAt = 1000 * (i + 1) - 500;
            value = s.restart ? s.served : value + s.served;
            served += s.served;
            const at = 1000 * (i + 1);
            const r = foldCounters(ledger, snapshot(at, value, i === 0 ? 0 : undefined, startedAt));
            ledger = r.ledger;
            sum += r.deltas.canary.requests ?? 0;
          });
          expect(sum).toBe(served);
        },
      ),
    );
  });
});

/** Canary readings of a requests and a 5xx series, each with its process start time. */
function pair(at: number, requests: number, errors: number, startedAt = 1): CounterSnapshot {
  return {
    at,
    canary: {
      requests: [{ series: "class=all", value: requests, startedAt }],
      errors: [{ series: "class=5xx", value: errors, startedAt }],
    },
    stable: {},
  };
}

describe("a lower reading is not a reset unless the series says so", () => {
  it("a 5xx series that reads one lower adds no error; the side is unknown that check and nothing is lost", () => {
    let ledger: CounterLedger | null = foldCounters(null, {
      ...pair(0, 0, 0),
      baseline: pair(0, 0, 0),
    }).ledger;
    const readings = [pair(1000, 100, 14), pair(2000, 200, 13), pair(3000, 300, 14), pair(4000, 400, 15)];
    const deltas = readings.map((s) => {
      const r = foldCounters(ledger, s);
      ledger = r.ledger;
      return r.deltas.canary;
    });
    // Independently: 100 requests and errors 14, 0, 1 between the good readings.
    expect(deltas).toEqual([
      { requests: 100, errors: 14 },
      {},
      { requests: 200, errors: 0 },
      { requests: 100, errors: 1 },
    ]);
  });

  it("a decrease with a later start time is a restart: the whole new count is added", () => {
    const base = foldCounters(null, { ...pair(0, 50, 2), baseline: pair(0, 50, 2) }).ledger;
    const r = foldCounters(base, pair(1000, 30, 1, 500));
    expect(r.deltas.canary).toEqual({ requests: 30, errors: 1 });
  });
});

/** One side's per-period readings: DELTA points summed per aligned period, keyed by the period. */
function periods(at: number, from: number, points: { period: number; requests: number }[]): CounterSnapshot {
  return {
    at,
    from,
    canary: { requests: points.map((p) => ({ series: "class=2xx", value: p.requests, period: p.period })) },
    stable: {},
  };
}

describe("per-period counts (DELTA points)", () => {
  it("a period that arrives late is counted when it arrives, and a period read again adds nothing", () => {
    let ledger: CounterLedger | null = null;
    const reads = [
      periods(120_000, 0, [{ period: 0, requests: 10 }]), // period 60 000 not visible yet
      periods(180_000, 0, [
        { period: 0, requests: 10 },
        { period: 60_000, requests: 7 },
        { period: 120_000, requests: 5 },
      ]),
      periods(240_000, 60_000, [
        { period: 60_000, requests: 7 },
        { period: 120_000, requests: 5 },
      ]),
    ];
    const counted = reads.map((s) => {
      const r = foldCounters(ledger, s);
      ledger = r.ledger;
      return r.deltas.canary.requests;
    });
    expect(counted).toEqual([10, 12, 0]);
    // Periods before the window are forgotten (the ledger stays small).
    const kept = Object.keys((ledger as CounterLedger | null)?.last ?? {});
    expect(kept.some((k) => k.endsWith("|@0"))).toBe(false);
  });

  it("property: with any visibility delay within the window, each period is counted exactly once", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ served: fc.nat(40), lateBy: fc.nat(3) }), { minLength: 1, maxLength: 30 }),
        (spec) => {
          const P = 60_000;
          let ledger: CounterLedger | null = null;
          let counted = 0;
          for (let check = 1; check <= spec.length + 4; check++) {
            const now = check * P;
            const from = Math.max(0, now - 6 * P);
            const visible = spec
              .map((s, i) => ({ period: i * P, requests: s.served, visibleAt: (i + 1 + s.lateBy) * P }))
              .filter((p) => p.visibleAt <= now && p.period >= from);
            const r = foldCounters(ledger, periods(now, from, visible));
            ledger = r.ledger;
            counted += r.deltas.canary.requests ?? 0;
          }
          expect(counted).toBe(spec.reduce((sum, s) => sum + s.served, 0));
        },
      ),
    );
  });
});

describe("the sequential analysis over a 5xx series that reads one lower", () => {
  it("counts no error from the lower reading and does not revert", () => {
    const cfg = prod();
    let state: AnalysisState = initialAnalysisState();
    const baseline = { at: 0, canary: pair(0, 0, 0).canary, stable: {} };
    // 14 errors in 1400 requests (1%) would be a breach if it came at once; here the canary is at
    // 0.1% (one error every 1000 requests) and the 5xx series reads 13 once, between 14 and 14.
    const truth = [
      [2000, 2],
      [4000, 4],
      [6000, 6],
      [8000, 8],
    ];
    const reads = [truth[0], truth[1], [6000, 3], truth[2], truth[3]] as [number, number][];
    const verdicts = reads.map(([requests, errors], i) => {
      const c = {
        ...check((i + 1) * 60, { requests: 2000, errors: 2 }),
        counters: { ...pair((i + 1) * 60_000, requests, errors), baseline },
      };
      const r = analyseCheck(cfg, state, c, 5);
      state = r.state;
      return r.signals.find((s) => s.signal === "errorRate");
    });
    expect(verdicts.map((v) => v?.verdict)).not.toContain("NO-GO");
    expect(verdicts[2]?.verdict).toBe("INCONCLUSIVE");
    const evidence = state.evidence?.errorRate;
    expect({ requests: evidence?.requests, errors: evidence?.errors }).toEqual({ requests: 8000, errors: 8 });
  });
});
