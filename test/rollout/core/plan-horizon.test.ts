import { describe, expect, it } from "vitest";
import { analysisContext } from "../../../src/rollout/core/analysis/check";
import { evidenceRule, trafficLevel } from "../../../src/rollout/core/analysis/evidence-rules";
import { plannedChecks, withPlanHorizon } from "../../../src/rollout/core/analysis/plan-horizon";
import { oneCheckErrorsToRevert } from "../../../src/rollout/core/evidence/one-check";
import { prod, prodWith } from "../fixtures";

/**
 * The false-revert bound over the whole planned rollout (docs/evidence.md): for a canary at or
 * under the GO level and any traffic, P(revert within n checks with data) ≤
 * e^−cumulativeBar + n·nullAtMost + n·e^−changePointBar (Ville; the union bound over the
 * one-check trigger; Doob on the Shiryaev–Roberts sum). The prod plan schedules 5 × (15 + 1) = 80
 * checks.
 */
const ALPHA = 1e-3;

function boundOver(checks: number, requestsPerCheck: number, cfg = prod()): number {
  const t = analysisContext(cfg).thresholds.errorRate;
  const limits = { rollbackAbove: t.rollbackAbove as number, goAtMost: t.goAtMost };
  const rule = evidenceRule(limits, t.evidence, trafficLevel(undefined, requestsPerCheck));
  return (
    Math.exp(-rule.cumulativeLogBar) +
    checks * rule.oneCheck.nullAtMost +
    checks * Math.exp(-rule.changePointLogBar)
  );
}

describe("the evidence horizon covers the plan's scheduled checks", () => {
  it("counts each bake in checks, rounded up, plus one check per step", () => {
    expect(plannedChecks({ steps: [5, 10, 25, 50, 100], bakeSeconds: 900, checkIntervalSeconds: 60 })).toBe(
      80,
    );
    // 100 s of bake at 60 s checks is 2 checks (rounded up), 0 s is none: (2 + 1) + (0 + 1) = 4.
    expect(plannedChecks({ steps: [50, 100], bakeSeconds: [100, 0], checkIntervalSeconds: 60 })).toBe(4);
  });

  it("raises a shorter horizon to the plan's checks and never lowers a longer one", () => {
    const t = prod().thresholds;
    expect(withPlanHorizon(t, 80).errorRate.evidence.horizonChecks).toBe(80);
    expect(withPlanHorizon(t, 80).p95LatencyMs.evidence.horizonChecks).toBe(80);
    expect(withPlanHorizon(t, 10)).toBe(t);
    expect(analysisContext(prod()).thresholds.errorRate.evidence.horizonChecks).toBe(80);
  });

  it("bounds false reverts of the prod plan by alpha over its 80 checks", () => {
    // 0.25·α (Ville) + 80·0.45·α/80 (trigger) + 80·0.30·α/80 (change point, at its floor) = α;
    // busier levels only raise bars (their exact calibration is the bench's to run).
    for (const requests of [3, 15]) expect(boundOver(80, requests)).toBeLessThanOrEqual(ALPHA * (1 + 1e-9));
  });

  it("spends alpha over a longer plan's checks: two-hour bakes schedule 5 × 121", () => {
    const long = prodWith({ rollout: { bakeSeconds: 7200, maxStepSeconds: 7200 } });
    expect(analysisContext(long).thresholds.errorRate.evidence.horizonChecks).toBe(605);
  });

  it("keeps 5 errors of 50 reverting at once (a 20% check caught 98.15%) under the prod plan's horizon", () => {
    // P(Bin(50, 0.5%) ≥ 5) = 5.49e-6 ≤ 0.45·α/80 = 5.63e-6, and P(Bin(50, 0.8%) ≥ 5) = 5.14e-5 ≤
    // 0.45·1%/80 = 5.63e-5, while 4 errors are likelier than either (computed with Python's exact
    // binomial); P(Bin(50, 20%) ≥ 5) = 0.98150.
    const t = analysisContext(prod()).thresholds.errorRate;
    const limits = { rollbackAbove: t.rollbackAbove as number, goAtMost: t.goAtMost };
    // The trigger's counts depend on the settings, not on the traffic level the rule is derived for.
    expect(oneCheckErrorsToRevert(50, evidenceRule(limits, t.evidence, 15))).toBe(5);
  });
});
