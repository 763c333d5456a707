import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simulateRules } from "../../bench/simulate";
import { analyseCheck, type Check, initialAnalysisState } from "../../src/rollout/core/analysis/check";
import { backtest } from "../../src/rollout/core/backtest/replay";
import { type CoreState, decide, firstStep } from "../../src/rollout/core/decide";
import { buildPlan } from "../../src/rollout/core/plan";
import { check, consecutiveProd as prod, consecutiveProdWith as prodWith } from "./fixtures";

function fresh(): CoreState {
  return { step: firstStep(0), analysis: initialAnalysisState(), seq: 0 };
}

describe("plan", () => {
  it("prod: 5 -> 10 -> 25 -> 50 -> 100, 15 min bakes, 1 min checks, 50 requests per step", () => {
    const plan = buildPlan(prod());
    expect(plan.steps.map((s) => s.weight)).toEqual([5, 10, 25, 50, 100]);
    expect(plan.steps.every((s) => s.bakeSeconds === 900 && s.minRequests === 50)).toBe(true);
    expect(plan.checkIntervalSeconds).toBe(60);
    // Stale past the ingestion delay (240 s) plus three check intervals.
    expect(plan.maxSampleAgeSeconds).toBe(420);
    expect(plan.minimumSeconds).toBe(4500);
  });
});

describe("decide", () => {
  const cfg = prodWith({ rollout: { bakeSeconds: 120, minRequestsPerStep: 0, maxStepSeconds: 600 } });
  const plan = buildPlan(cfg);

  it("holds while baking, then advances on GO", () => {
    let state = fresh();
    const actions: string[] = [];
    for (const at of [0, 60, 120]) {
      const c = check(at);
      const d = decide(plan, state, c, analyseCheck(cfg, state.analysis, c));
      state = d.state;
      actions.push(d.action);
    }
    expect(actions).toEqual(["hold", "hold", "advance"]);
    expect(state.step).toEqual({ index: 1, startedAt: 120, requests: 0, checks: 0 });
  });

  it("promotes after the last step's bake", () => {
    const checks = Array.from({ length: 20 }, (_, i) => check(i * 60));
    const result = backtest(cfg, checks);
    expect(result.outcome).toBe("promoted");
    expect(result.decisions.filter((d) => d.action === "advance")).toHaveLength(4);
    expect(result.decisions.at(-1)?.nextWeight).toBe(100);
  });

  it("records every signal's query, value, sample size, threshold and counter", () => {
    const c: Check = {
      ...check(0, { requests: 5000, errors: 100 }),
      queries: { errors: "sum(increase(e))", requests: "sum(increase(r))" },
    };
    const state = fresh();
    const d = decide(plan, state, c, analyseCheck(cfg, state.analysis, c), Date.UTC(2026, 0, 1));
    const error = d.record.signals.find((s) => s.signal === "errorRate");
    expect(error).toMatchObject({
      value: 0.02,
      sampleSize: 5000,
      counter: 1,
      breach: true,
      verdict: "OBSERVE",
    });
    expect(error?.threshold).toMatchObject({ rollbackAbove: 0.01, consecutive: 3, goAtMost: 0.005 });
    expect(error?.query).toContain("sum(increase(e))");
    expect(d.record.time).toBe("2026-01-01T00:00:00.000Z");
    expect(d.record).toMatchObject({ seq: 1, step: 1, steps: 5, weight: 5, action: "hold" });
  });

  it("a step that never reaches GO times out into a hold by default, or a revert when configured", () => {
    const slow = Array.from({ length: 12 }, (_, i) => check(i * 60, { p95LatencyMs: 300 }));
    const held = backtest(cfg, slow);
    expect(held.outcome).toBe("incomplete");
    expect(held.decisions.at(-1)).toMatchObject({ action: "hold", timedOut: true, at: 600 });
    const reverting = prodWith({
      rollout: { bakeSeconds: 120, maxStepSeconds: 600, onStepTimeout: "revert" },
    });
    expect(backtest(reverting, slow)).toMatchObject({ outcome: "reverted", revertedAt: 600 });
  });

  it("waits for evidence until minRequestsPerStep, then advances", () => {
    const evidence = prodWith({ rollout: { bakeSeconds: 60, minRequestsPerStep: 200 } });
    const checks = Array.from({ length: 30 }, (_, i) => check(i * 60, { requests: 10, errors: 0 }));
    const result = backtest(evidence, checks);
    const firstAdvance = result.decisions.findIndex((d) => d.action === "advance");
    expect(result.decisions[firstAdvance]?.bake.requests).toBe(200);
    expect(firstAdvance).toBe(19);
    for (const d of result.decisions.slice(1, firstAdvance)) {
      expect(d.verdict).toBe("OBSERVE");
      expect(d.reasons.join(" ")).toMatch(/waiting for evidence: \d+\/200 requests/);
    }
  });

  it("inconclusive checks in a row revert at maxInconclusiveChecks", () => {
    const checks = [check(0), ...[60, 120, 180].map((at) => check(at, { p95LatencyMs: null }))];
    const result = backtest(cfg, checks);
    expect(result).toMatchObject({ outcome: "reverted", revertedAt: 180 });
    expect(result.decisions.at(-1)?.reason).toContain("3 inconclusive checks in a row");
  });
});

describe("decide: properties", () => {
  const cfg = prodWith({ rollout: { bakeSeconds: 0, minRequestsPerStep: 0 } });
  const plan = buildPlan(cfg);
  const arbitraryCheck = fc.record({
    requests: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 3000 })),
    errorShare: fc.double({ min: 0, max: 0.05, noNaN: true }),
    p95: fc.oneof(fc.constant(null), fc.double({ min: 10, max: 1500, noNaN: true })),
    memory: fc.oneof(fc.constant(null), fc.double({ min: 0.1, max: 1, noNaN: true })),
    age: fc.oneof(fc.constant(5), fc.constant(1000)),
  });

  it("never advances or promotes unless the verdict is GO", () => {
    fc.assert(
      fc.property(fc.array(arbitraryCheck, { minLength: 1, maxLength: 40 }), (draws) => {
        let state = fresh();
        for (const [i, draw] of draws.entries()) {
          const c = check(i * 60, {
            requests: draw.requests,
            errors: draw.requests === null ? null : Math.floor(draw.requests * draw.errorShare),
            p95LatencyMs: draw.p95,
            memory: draw.memory,
            sampleAgeSeconds: draw.age,
          });
          const analysis = analyseCheck(cfg, state.analysis, c);
          const d = decide(plan, state, c, analysis);
          if (d.action === "advance" || d.action === "promote") {
            expect(d.verdict).toBe("GO");
            expect(analysis.verdict).toBe("GO");
          }
          if (analysis.verdict === "OBSERVE" || analysis.verdict === "INCONCLUSIVE") {
            expect(["hold", "revert"]).toContain(d.action);
          }
          state = d.state;
          if (d.action === "revert" || d.action === "promote") break;
        }
      }),
    );
  });

  it("a sustained 5% error rate at 15 requests per check reverts by the 12th check, wherever the errors fall", () => {
    // Any placement with at least 3 errors in each 4-check block (60 requests) is 5% or worse.
    const block = fc
      .array(fc.integer({ min: 0, max: 15 }), { minLength: 4, maxLength: 4 })
      .filter((b) => b.reduce((a, x) => a + x, 0) >= 3);
    fc.assert(
      fc.property(fc.array(block, { minLength: 3, maxLength: 3 }), (blocks) => {
        const errors = blocks.flat();
        const result = backtest(
          prod(),
          errors.map((e, i) => check(i * 60, { requests: 15, errors: e })),
        );
        expect(result.outcome).toBe("reverted");
        expect(result.revertedAt).toBeLessThanOrEqual(11 * 60);
      }),
    );
  });

  it("a sustained 5% error rate at 15 requests per check, randomly drawn, reverts within 60 checks in >= 98% of rollouts; a healthy 0.5% one never", () => {
    const bad = simulateRules({
      cfg: prod(),
      canaryErrorRate: 0.05,
      requestsPerCheck: 15,
      checks: 60,
      trials: 300,
      seed: 7,
    });
    expect(bad.analysis.revertRate).toBeGreaterThanOrEqual(0.98);
    const healthy = simulateRules({
      cfg: prod(),
      canaryErrorRate: 0.005,
      requestsPerCheck: 15,
      checks: 60,
      trials: 300,
      seed: 8,
    });
    expect(healthy.analysis.reverts).toBe(0);
    // The runbook's plain rule, on the same kind of draws, reverts some healthy canaries.
    expect(healthy.plainRule.reverts).toBeGreaterThan(0);
  });
});
