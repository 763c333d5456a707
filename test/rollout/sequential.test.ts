import { describe, expect, it } from "vitest";
import type { StageConfig } from "../../src/config";
import {
  type AnalysisState,
  analyseCheck,
  type Check,
  initialAnalysisState,
} from "../../src/rollout/core/analysis/check";
import { type CoreState, decide, firstStep } from "../../src/rollout/core/decide";
import { buildPlan } from "../../src/rollout/core/plan";
import { check, consecutive, prod, prodWith, staging } from "./fixtures";

/** Runs checks through the analysis, carrying its state; returns every result. */
function run(cfg: StageConfig, checks: Check[], weight = 5) {
  let state: AnalysisState = initialAnalysisState();
  return checks.map((c) => {
    const r = analyseCheck(cfg, state, c, weight);
    state = r.state;
    return r;
  });
}

const errorRate = (r: ReturnType<typeof analyseCheck>) => r.signals.find((s) => s.signal === "errorRate");

describe("the sequential analysis where the block-pooled rule failed", () => {
  it("staging's '> 5% for 5 min' is 5 min of breaches, not 5 pooled blocks (~20 min at 15 requests per check)", () => {
    // 10% errors at 15 requests per check; minRequests 50 pools four checks into one block.
    const checks = Array.from({ length: 24 }, (_, i) =>
      check(i * 60, { requests: 15, errors: i % 2 === 0 ? 2 : 1 }),
    );
    const byTime = run(consecutive(staging()), checks);
    const firstNoGo = byTime.findIndex((r) => r.verdict === "NO-GO");
    expect(firstNoGo).toBeGreaterThanOrEqual(0);
    expect(checks[firstNoGo]?.at).toBeLessThanOrEqual(8 * 60); // two blocks: 480 s >= 300 s
    const sequential = run(staging(), checks);
    const sequentialNoGo = sequential.findIndex((r) => r.verdict === "NO-GO");
    expect(sequentialNoGo).toBeGreaterThanOrEqual(0);
    expect(sequentialNoGo).toBeLessThan(12); // the block rule needed 20 checks
  });

  it("compareToStable with stable's counts missing never holds back an absolute revert", () => {
    const cfg = prodWith({
      thresholds: {
        errorRate: { rollbackAbove: 0.01, consecutive: 3, goAtMost: 0.005, compareToStable: {} },
      },
    });
    const checks = Array.from({ length: 8 }, (_, i) =>
      check(i * 60, { requests: 150, errors: 30 }, { requests: null, errors: null }),
    );
    for (const c of [consecutive(cfg), cfg]) {
      const results = run(c, checks);
      const firstNoGo = results.findIndex((r) => r.verdict === "NO-GO");
      expect(firstNoGo).toBeGreaterThanOrEqual(0);
      expect(firstNoGo).toBeLessThanOrEqual(2);
      expect(errorRate(results[firstNoGo] as ReturnType<typeof analyseCheck>)?.verdict).toBe("NO-GO");
    }
    // Without a breach, missing stable counts are inconclusive, never a pass.
    const quiet = run(cfg, [check(0, { requests: 150, errors: 0 }, { requests: null, errors: null })]);
    expect(errorRate(quiet[0] as ReturnType<typeof analyseCheck>)?.verdict).toBe("INCONCLUSIVE");
  });

  it("a lucky 0/51 of a 1.5% canary is never promoted on a point estimate", () => {
    const cfg = prodWith({ rollout: { bakeSeconds: 0, minRequestsPerStep: 50, maxStepSeconds: 7200 } });
    const plan = buildPlan(cfg);
    let state: CoreState = { step: firstStep(0), analysis: initialAnalysisState(), seq: 0 };
    const actions: string[] = [];
    // 1.5% errors: 0 in the first 51 requests, then one every 67 requests, 60 checks of 15-17.
    let served = 0;
    for (let i = 0; i < 60; i++) {
      const requests = i === 0 ? 51 : 15;
      const before = Math.floor(Math.max(0, served - 51) / 67);
      served += requests;
      const errors = Math.floor(Math.max(0, served - 51) / 67) - before;
      const c = check(60 * (i + 1), { requests, errors });
      const weight = plan.steps[state.step.index]?.weight;
      const d = decide(plan, state, c, analyseCheck(cfg, state.analysis, c, weight));
      actions.push(d.action);
      state = d.state;
      if (d.action === "revert") break;
    }
    // Early steps advance on the absence of harm (here with no bake at all); the promotion needs
    // the GO gate's evidence of being within the limit, which a 1.5% canary does not produce.
    expect(actions).not.toContain("promote");
    expect(actions.at(-1)).toMatch(/hold|revert/);
  });

  it("P95 by the share of slow requests: one slow request in each of three 15-request checks does not revert", () => {
    // A healthy canary with 1% of requests over 500 ms: three unlucky checks in a row (1 of 15
    // slow each puts the check's P95 over 500 ms), the rest clean.
    const checks = Array.from({ length: 60 }, (_, i) =>
      i >= 10 && i < 13
        ? check(i * 60, { requests: 15, errors: 0, slow: 1, p95LatencyMs: 620 })
        : check(i * 60, { requests: 15, errors: 0, slow: 0, p95LatencyMs: 140 }),
    );
    const results = run(prod(), checks);
    expect(results.map((r) => r.verdict)).not.toContain("NO-GO");
    const p95 = results[12]?.signals.find((s) => s.signal === "p95LatencyMs");
    expect(p95?.evidence).toMatchObject({ requests: 195, errors: 3 });
  });
});

describe("sequential analysis", () => {
  it("one overwhelming check reverts at once and the record carries S, N, the evidence, the bar and what would revert", () => {
    const [clean, bad] = run(
      prod(),
      [check(60, { requests: 150, errors: 0 }), check(120, { requests: 150, errors: 30 })],
      25,
    );
    expect(clean?.verdict).not.toBe("NO-GO");
    expect(errorRate(clean as ReturnType<typeof analyseCheck>)?.evidence?.wouldRevert).toMatch(
      /errors? in the next 100 requests would revert/,
    );
    expect(bad?.verdict).toBe("NO-GO");
    const e = errorRate(bad as ReturnType<typeof analyseCheck>)?.evidence;
    expect(e).toMatchObject({ requests: 300, errors: 30, check: { requests: 150, errors: 30 } });
    expect(Math.max(e?.e ?? 0, e?.changePoint ?? 0)).toBeGreaterThanOrEqual(
      Math.min(e?.bar ?? 0, e?.changePointBar ?? 0),
    );
  });

  it("a check with no data adds nothing, stale data is inconclusive, and the evidence survives a JSON round trip (resume)", () => {
    const cfg = prod();
    const [first] = run(cfg, [check(60, { requests: 100, errors: 1 })]);
    const state = JSON.parse(JSON.stringify(first?.state)) as AnalysisState;
    const gap = analyseCheck(cfg, state, check(120, { requests: null, errors: null }), 5);
    expect(gap.verdict).toBe("INCONCLUSIVE");
    expect(gap.state.evidence?.errorRate).toEqual(state.evidence?.errorRate);
    const stale = analyseCheck(
      cfg,
      state,
      check(180, { requests: 100, errors: 0, sampleAgeSeconds: 900 }),
      5,
    );
    expect(stale.verdict).toBe("INCONCLUSIVE");
    expect(stale.state.evidence?.errorRate).toEqual(state.evidence?.errorRate);
    const next = analyseCheck(cfg, state, check(240, { requests: 100, errors: 0 }), 5);
    expect(next.state.evidence?.errorRate).toMatchObject({ requests: 200, errors: 1 });
  });

  it("a clean canary at 15 requests per check advances the early steps at once and promotes once the GO gate's evidence is in", () => {
    const cfg = prodWith({ rollout: { bakeSeconds: 0, minRequestsPerStep: 0 } });
    const plan = buildPlan(cfg);
    let state: CoreState = { step: firstStep(0), analysis: initialAnalysisState(), seq: 0 };
    const actions: string[] = [];
    for (let i = 0; i < 60 && actions.at(-1) !== "promote"; i++) {
      const c = check(60 * (i + 1), { requests: 15, errors: 0 });
      const weight = plan.steps[state.step.index]?.weight;
      const d = decide(plan, state, c, analyseCheck(cfg, state.analysis, c, weight));
      actions.push(d.action);
      state = d.state;
    }
    // The GO gate (null: the 1% limit, bar 20) needs ~520 clean requests: about 35 checks of 15.
    expect(actions.slice(0, 4)).toEqual(["advance", "advance", "advance", "advance"]);
    expect(actions.at(-1)).toBe("promote");
    expect(actions.length).toBeGreaterThan(10);
    expect(actions.length).toBeLessThan(40);
  });
});

describe("P95 by slow counts when a check's slow count is missing", () => {
  const p95 = (r: ReturnType<typeof analyseCheck>) => r.signals.find((s) => s.signal === "p95LatencyMs");

  it("holds (OBSERVE) instead of passing on the check's P95 value once slow counts are being judged", () => {
    // Slow counts start the evidence; then one check arrives without them (its histogram query
    // failed) and with a fine-looking P95: missing data must not pass the slow-share gate.
    const results = run(prod(), [
      check(0, { requests: 15, errors: 0, slow: 0, p95LatencyMs: 120 }),
      check(60, { requests: 15, errors: 0, slow: undefined, p95LatencyMs: 120 }),
    ]);
    // No evidence of harm yet: GO (the GO gate's evidence is demanded before promotion only).
    expect(p95(results[0] as ReturnType<typeof analyseCheck>)?.verdict).toBe("GO");
    const missing = p95(results[1] as ReturnType<typeof analyseCheck>);
    expect(missing?.verdict).toBe("OBSERVE");
    expect(missing?.reason).toMatch(/no slow-request count this check/);
  });

  it("a trace that never carried slow counts keeps the value rule", () => {
    const results = run(prod(), [check(0, { requests: 15, errors: 0, p95LatencyMs: 120 })]);
    expect(p95(results[0] as ReturnType<typeof analyseCheck>)?.verdict).toBe("GO");
  });
});
