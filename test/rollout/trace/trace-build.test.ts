import { describe, expect, it } from "vitest";
import { backtest } from "../../../src/rollout/core/backtest/replay";
import { buildTrace, countGaps } from "../../../src/rollout/core/trace/build";
import { parseTraceDocument } from "../../../src/rollout/core/trace/format";
import { prod } from "../fixtures";

const source = { kind: "prometheus" as const, stage: "prod", canary: "c", stable: "s" };

describe("buildTrace", () => {
  it("keeps a scrape gap a gap: no request count means no error count, even where the query said 0", () => {
    const trace = buildTrace({
      checkAtSeconds: [60, 120, 180],
      series: {
        canary: { requests: [100, null, 98.6], errors: [1, 0, 0.4], p95Ms: [120, null, 130] },
        stable: { requests: [null, null, null], errors: [0, 0, 0] },
      },
      source,
    });
    expect(trace.checks[1]?.canary).toEqual({ requests: null, errors: null, p95Ms: null });
    expect(trace.checks[0]?.stable).toEqual({ requests: null, errors: null });
    // Counts are whole, as the runner rounds increase()'s extrapolation.
    expect(trace.checks[2]?.canary).toEqual({ requests: 99, errors: 0, p95Ms: 130 });
    expect(countGaps(trace)).toBe(1);
  });

  it("turns NaN and Infinity (a histogram's top bucket) into null, as the runner judges them", () => {
    const trace = buildTrace({
      checkAtSeconds: [60],
      series: {
        canary: { requests: [10], p95Ms: [Number.POSITIVE_INFINITY], memory: [Number.NaN] },
        stable: {},
      },
      source,
    });
    expect(trace.checks[0]?.canary).toMatchObject({ p95Ms: null, memory: null });
  });

  it("starts the first step at 0 (--from), so the replay's bake matches the live run's", () => {
    const trace = buildTrace({
      checkAtSeconds: [60, 120],
      series: { canary: { requests: [10, 10], errors: [0, 0] }, stable: {} },
      source,
    });
    const parsed = parseTraceDocument(JSON.parse(JSON.stringify(trace)));
    expect(parsed.startedAt).toBe(0);
    expect(parsed.source).toMatchObject({ kind: "prometheus", canary: "c" });
    const first = backtest(prod(), parsed.checks, parsed.startedAt).decisions[0];
    expect(first?.bake.elapsedSeconds).toBe(60);
  });

  it("a trace whose startedAt is after its first check is refused", () => {
    expect(() => parseTraceDocument({ startedAt: 90, checks: [{ at: 60 }] })).toThrow(
      /startedAt 90 is after/,
    );
  });

  it("a replayed gap is inconclusive, never a pass", () => {
    const trace = buildTrace({
      checkAtSeconds: [60],
      series: {
        canary: { requests: [null], errors: [0], p95Ms: [null], memory: [null], cpu: [null] },
        stable: {},
      },
      source,
    });
    const result = backtest(prod(), parseTraceDocument(trace).checks, 0);
    expect(result.decisions[0]?.verdict).toBe("INCONCLUSIVE");
  });
});
