import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { plainRuleCheck } from "../../bench/simulate";
import {
  type AnalysisState,
  analyseCheck,
  type Check,
  initialAnalysisState,
} from "../../src/rollout/core/analysis/check";
import {
  check,
  consecutiveProd as prod,
  consecutiveProdWith as prodWith,
  consecutiveStaging as staging,
} from "./fixtures";

function run(cfg = prod(), checks: Check[]) {
  let state: AnalysisState = initialAnalysisState();
  return checks.map((c) => {
    const result = analyseCheck(cfg, state, c);
    state = result.state;
    return result;
  });
}

const signal = (r: ReturnType<typeof analyseCheck> | undefined, name: string) =>
  r?.signals.find((s) => s.signal === name);

describe("analysis: verdict table (prod thresholds)", () => {
  const cases: Array<[string, Parameters<typeof check>[1], string, string]> = [
    ["healthy", {}, "GO", "GO"],
    ["P95 between gate and limit", { p95LatencyMs: 300 }, "OBSERVE", "OBSERVE"],
    ["P95 above the limit once", { p95LatencyMs: 700 }, "OBSERVE", "OBSERVE"],
    ["memory above the limit once (2 needed)", { memory: 0.9 }, "OBSERVE", "OBSERVE"],
    ["CPU above its GO gate (no roll-back limit)", { cpu: 0.95 }, "OBSERVE", "OBSERVE"],
    ["error rate between gate and limit", { requests: 5000, errors: 40 }, "OBSERVE", "OBSERVE"],
    ["latency missing", { p95LatencyMs: null }, "INCONCLUSIVE", "INCONCLUSIVE"],
    ["request count missing", { requests: null }, "INCONCLUSIVE", "INCONCLUSIVE"],
    ["stale", { sampleAgeSeconds: 600 }, "INCONCLUSIVE", "INCONCLUSIVE"],
    // Cloud Monitoring shows a point up to 240 s after it is sampled, so its newest is ~300 s old.
    ["newest point as late as Cloud Monitoring shows it", { sampleAgeSeconds: 300 }, "GO", "GO"],
    ["no canary requests", { requests: 0, errors: 0, p95LatencyMs: null }, "OBSERVE", "OBSERVE"],
  ];
  it.each(cases)("%s", (_name, canary, overall) => {
    const [result] = run(prod(), [check(0, canary)]);
    expect(result?.verdict).toBe(overall);
  });

  it("zero canary requests: latency is waiting for evidence, not a pass", () => {
    const [r] = run(prod(), [check(0, { requests: 0, errors: 0, p95LatencyMs: null })]);
    expect(signal(r, "p95LatencyMs")?.verdict).toBe("OBSERVE");
    expect(signal(r, "p95LatencyMs")?.reason).toContain("waiting for evidence");
  });

  it("backend errors make the check inconclusive even when values look good", () => {
    const r = analyseCheck(prod(), initialAnalysisState(), {
      ...check(0),
      errors: ["HTTP 503 from Prometheus"],
    });
    expect(r.verdict).toBe("INCONCLUSIVE");
    expect(r.reasons[0]).toContain("HTTP 503");
  });

  it("P95 > 500 ms three times in a row is NO-GO; the third, not the second", () => {
    const results = run(
      prod(),
      [0, 60, 120].map((at) => check(at, { p95LatencyMs: 800 })),
    );
    expect(results.map((r) => r.verdict)).toEqual(["OBSERVE", "OBSERVE", "NO-GO"]);
    expect(signal(results[2], "p95LatencyMs")?.counter).toBe(3);
  });

  it("a good check in between resets the counter", () => {
    const bad = { p95LatencyMs: 800 };
    const results = run(prod(), [
      check(0, bad),
      check(60, bad),
      check(120),
      check(180, bad),
      check(240, bad),
    ]);
    expect(results.map((r) => r.verdict)).toEqual(["OBSERVE", "OBSERVE", "GO", "OBSERVE", "OBSERVE"]);
  });

  it("staging's forSeconds becomes checks: error > 5% for 300 s at 60 s checks = 5 in a row", () => {
    const results = run(
      staging(),
      [0, 60, 120, 180, 240].map((at) => check(at, { requests: 5000, errors: 500 })),
    );
    expect(results.map((r) => r.verdict)).toEqual(["OBSERVE", "OBSERVE", "OBSERVE", "OBSERVE", "NO-GO"]);
  });

  it("staging health: 3 failed checks in a row is NO-GO at once; unreported health is not judged", () => {
    const [r] = run(staging(), [check(0, { healthFailures: 3 })]);
    expect(r?.verdict).toBe("NO-GO");
    const [quiet] = run(staging(), [check(0)]);
    expect(quiet?.signals.some((s) => s.signal === "health")).toBe(false);
  });
});

describe("analysis: error rate at low traffic (evidence blocks)", () => {
  it("pools checks until minRequests, then judges the block", () => {
    const results = run(
      prod(),
      [0, 60, 120, 180].map((at) => check(at, { requests: 15, errors: 0 })),
    );
    expect(results.map((r) => signal(r, "errorRate")?.verdict)).toEqual([
      "OBSERVE",
      "OBSERVE",
      "OBSERVE",
      "GO",
    ]);
    expect(signal(results[0], "errorRate")?.reason).toContain("waiting for evidence: 15/50");
    expect(signal(results[3], "errorRate")?.sampleSize).toBe(60);
  });

  it("a single error among 15 requests at a 0.5% baseline does not revert", () => {
    const checks = Array.from({ length: 40 }, (_, i) =>
      check(i * 60, { requests: 15, errors: i === 2 ? 1 : 0 }),
    );
    const results = run(prod(), checks);
    expect(results.some((r) => r.verdict === "NO-GO")).toBe(false);
    expect(results.every((r) => signal(r, "errorRate")?.breach === false)).toBe(true);
  });

  it("the runbook's plain rule counts that same error as a breach (1/15 = 6.7% > 1%) and fires on three in a row", () => {
    const plainRule = (errorsAt: number[]) => {
      let streak = 0;
      return Array.from({ length: 40 }, (_, i) => {
        const result = plainRuleCheck(prod(), streak, { requests: 15, errors: errorsAt.includes(i) ? 1 : 0 });
        streak = result.streak;
        return result;
      });
    };
    // The same 40 checks as above: the one error starts a streak of one, which the next clean check resets.
    const same = plainRule([2]);
    expect(same.map((r) => r.streak).slice(0, 5)).toEqual([0, 0, 1, 0, 0]);
    expect(same.some((r) => r.fires)).toBe(false);
    // One error in each of three consecutive 15-request checks: prod's rule (3 in a row) fires at the third.
    const three = plainRule([2, 3, 4]);
    expect(three.findIndex((r) => r.fires)).toBe(4);
  });

  it("three consecutive 2% checks at adequate traffic revert at the third", () => {
    const results = run(
      prod(),
      [0, 60, 120].map((at) => check(at, { requests: 5000, errors: 100 })),
    );
    expect(results.map((r) => r.verdict)).toEqual(["OBSERVE", "OBSERVE", "NO-GO"]);
  });

  it("a block above the GO gate but whose lower bound is under the limit is OBSERVE, not a breach", () => {
    const [r] = run(prod(), [check(0, { requests: 60, errors: 1 })]);
    expect(signal(r, "errorRate")?.verdict).toBe("OBSERVE");
    expect(signal(r, "errorRate")?.breach).toBe(false);
  });

  it("compareToStable: canary worse than stable by more than the factor breaches even under the absolute limit", () => {
    const cfg = prodWith({
      thresholds: {
        errorRate: {
          rollbackAbove: 0.05,
          consecutive: 1,
          goAtMost: 0.005,
          compareToStable: { worseByFactor: 2, confidence: 0.99 },
        },
      },
    });
    const [r] = run(cfg, [check(0, { requests: 5000, errors: 60 }, { requests: 95_000, errors: 95 })]);
    expect(r?.verdict).toBe("NO-GO");
    expect(signal(r, "errorRate")?.reason).toContain("worse than stable");
    const [same] = run(cfg, [check(0, { requests: 5000, errors: 5 }, { requests: 95_000, errors: 95 })]);
    expect(same?.verdict).toBe("GO");
  });

  it("compareToStable with stable counts missing is inconclusive, not a pass", () => {
    const cfg = prodWith({
      thresholds: {
        errorRate: { rollbackAbove: 0.01, consecutive: 3, goAtMost: 0.005, compareToStable: {} },
      },
    });
    const [r] = run(cfg, [check(0, { requests: 5000, errors: 0 }, { requests: null })]);
    expect(r?.verdict).toBe("INCONCLUSIVE");
  });
});

describe("analysis: properties", () => {
  const level = fc.record({
    p95: fc.oneof(fc.constant(null), fc.double({ min: 0, max: 2000, noNaN: true })),
    memory: fc.oneof(fc.constant(null), fc.double({ min: 0, max: 1, noNaN: true })),
  });

  it("reverts after exactly N consecutive breaches and not N-1, for any N", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), (n) => {
        const cfg = prodWith({
          thresholds: { p95LatencyMs: { rollbackAbove: 500, consecutive: n, goAtMost: 200 } },
        });
        const results = run(
          cfg,
          Array.from({ length: n }, (_, i) => check(i * 60, { p95LatencyMs: 900 })),
        );
        expect(results.slice(0, n - 1).every((r) => r.verdict !== "NO-GO")).toBe(true);
        expect(results[n - 1]?.verdict).toBe("NO-GO");
      }),
    );
  });

  it("missing or stale data is never GO", () => {
    fc.assert(
      fc.property(level, fc.boolean(), (l, stale) => {
        const c = check(0, { p95LatencyMs: l.p95, memory: l.memory, sampleAgeSeconds: stale ? 10_000 : 5 });
        const r = analyseCheck(prod(), initialAnalysisState(), c);
        if (stale || l.p95 === null || l.memory === null) expect(r.verdict).not.toBe("GO");
      }),
    );
  });

  it("GO only when every signal is GO", () => {
    fc.assert(
      fc.property(level, fc.integer({ min: 0, max: 5000 }), (l, errors) => {
        const r = analyseCheck(
          prod(),
          initialAnalysisState(),
          check(0, { p95LatencyMs: l.p95, memory: l.memory, requests: 5000, errors }),
        );
        expect(r.verdict === "GO").toBe(r.signals.every((s) => s.verdict === "GO"));
      }),
    );
  });
});
