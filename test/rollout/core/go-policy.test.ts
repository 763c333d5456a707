import { describe, expect, it } from "vitest";
import { analyseCheck, initialAnalysisState } from "../../../src/rollout/core/analysis/check";
import { evidenceRule } from "../../../src/rollout/core/analysis/evidence-rules";
import { type CoreState, decide, firstStep } from "../../../src/rollout/core/decide";
import { binomialTable } from "../../../src/rollout/core/evidence/binomial";
import { exactGoPass } from "../../../src/rollout/core/evidence/exact-go";
import { buildPlan } from "../../../src/rollout/core/plan";
import { check, prod } from "../fixtures";

/**
 * The GO policy on the whole rollout (docs/evidence.md): early steps advance on the absence of
 * harm after their bake; the GO gate's evidence of being within the limit is demanded before the
 * promotion. Prod plan: steps 5/10/25/50/100, 15 min bakes, 60 s checks; canary traffic at a weight
 * w is w% of T requests per minute.
 */
const cfg = prod();
const plan = buildPlan(cfg);
const weights = plan.steps.map((s) => s.weight);
const checksPerBake = (plan.steps[0]?.bakeSeconds ?? 0) / plan.checkIntervalSeconds;
const planned = plan.steps.length * (checksPerBake + 1);
const perCheck = (weight: number, t: number) => Math.round((weight * t) / 100);

/** Actions of a canary whose errors come one every `every` requests, at T requests per minute. */
function rollout(t: number, every: number, maxChecks: number): string[] {
  let state: CoreState = { step: firstStep(0), analysis: initialAnalysisState(), seq: 0 };
  const actions: string[] = [];
  let served = 0;
  for (let i = 1; i <= maxChecks; i++) {
    const weight = weights[state.step.index] ?? 100;
    const requests = perCheck(weight, t);
    const errors = Math.floor((served + requests) / every) - Math.floor(served / every);
    served += requests;
    const c = check(60 * i, { requests, errors });
    const d = decide(plan, state, c, analyseCheck(cfg, state.analysis, c, weight));
    actions.push(d.action);
    state = d.state;
    if (d.action === "promote" || d.action === "revert") break;
  }
  return actions;
}

describe("the GO policy on the whole rollout", () => {
  it("advances a 0.5% canary at each step's first check after the bake and promotes it on schedule (T = 300)", () => {
    const actions = rollout(300, 200, 3 * planned);
    const at = (action: string) => actions.flatMap((a, i) => (a === action ? [i + 1] : []));
    expect(at("advance")).toEqual([1, 2, 3, 4].map((k) => k * checksPerBake));
    expect(at("promote")).toEqual([5 * checksPerBake]);
  });

  it("never promotes a canary at the roll-back limit (1%) however long it runs (T = 300)", () => {
    expect(rollout(300, 100, 4 * planned)).not.toContain("promote");
  });

  it("holds a 1% canary at 50%, where the evidence that it is above the GO level comes, until the step limit (T = 300)", () => {
    // One error per 100 requests: ln LR(0.8% vs 0.5%) = S·ln 1.6 + (N − S)·ln(0.992/0.995) first
    // reaches ln 100 at check 51 (N = 2,700, S = 27; Python), six checks into the 50% step's bake.
    const actions = rollout(300, 100, 45 + 125);
    const at = (action: string) => actions.flatMap((a, i) => (a === action ? [i + 1] : []));
    expect(at("advance")).toEqual([15, 30, 45]);
    expect(actions.filter((a) => a === "promote" || a === "revert")).toEqual([]);
  });

  // Exact figures of the promotion gate, the only place the policy asks for evidence of being
  // within the limit: the e-value of "canary ≤ 1%" betting on 0.5% and 0.3% (½ each), bar 20.
  const goRule = evidenceRule(
    { rollbackAbove: 0.01, goAtMost: 0.005 },
    cfg.thresholds.errorRate.evidence,
    15,
  ).go;
  const logGo = (s: number, n: number) =>
    Math.log(0.5 * 0.5 ** s * (0.995 / 0.99) ** (n - s) + 0.5 * 0.3 ** s * (0.997 / 0.99) ** (n - s));
  /** P(the gate passes at the promotion check of the planned schedule) for a canary at `rate`. */
  function passesAtPromotion(t: number, rate: number): number {
    const n = weights.reduce((sum, w) => sum + checksPerBake * perCheck(w, t), 0);
    const table = binomialTable(n, rate);
    let p = 0;
    table.probabilities.forEach((q, i) => {
      if (logGo(table.from + i, n) >= Math.log(20)) p += q;
    });
    return p;
  }

  it.each([300, 3000])(
    "passes a 0.5% canary at the planned promotion in >= 95%, a 0.2% one in >= 99% (T = %i)",
    (t) => {
      // Promoted on schedule unless reverted (<= alpha = 0.1%) or the gate fails at that check.
      expect(passesAtPromotion(t, 0.005) - 0.001).toBeGreaterThanOrEqual(0.95);
      expect(passesAtPromotion(t, 0.002) - 0.001).toBeGreaterThanOrEqual(0.99);
    },
  );

  it.each([60, 300, 3000])(
    "promotes a 1% canary <= 5% and a 1.5% one <= 0.5% even held 2 h at 100%% (T = %i)",
    (t) => {
      const schedule = [
        ...weights.flatMap((w) => Array.from({ length: checksPerBake }, () => perCheck(w, t))),
        ...Array.from({ length: 120 }, () => perCheck(100, t)),
      ];
      // Ever passing the gate over the schedule bounds the promotion from above.
      expect(exactGoPass(goRule, schedule, 0.01)).toBeLessThanOrEqual(0.05);
      expect(exactGoPass(goRule, schedule, 0.015)).toBeLessThanOrEqual(0.005);
    },
  );
});
