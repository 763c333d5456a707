import { describe, expect, it } from "vitest";
import { EvidenceSettingsSchema } from "../../../../src/config/evidence";
import { judgeEvidence } from "../../../../src/rollout/core/evidence/judge";
import { deriveEvidenceRule } from "../../../../src/rollout/core/evidence/params";
import type { CountEvidenceState } from "../../../../src/rollout/core/evidence/state";

/**
 * Evidence that a canary is above the GO level (docs/evidence.md): the likelihood ratio of the
 * OBSERVE band (0.8%) against the GO level (0.5%) on the cumulative counts; at ≥ 100
 * (1 / holdAboveGoAtMost) a step holds instead of advancing. Expected figures from Python's exact
 * arithmetic: ln LR(S of N) = S·ln 1.6 + (N − S)·ln(0.992/0.995).
 */
const rule = deriveEvidenceRule(
  { rollbackAbove: 0.01, goAtMost: 0.005 },
  EvidenceSettingsSchema.parse({}),
  15,
);
const state = (errors: number, requests: number): CountEvidenceState => ({
  requests,
  errors,
  segmentRequests: 0,
  segmentErrors: 0,
});
const quiet = { requests: 15, errors: 0 };

describe("evidence above the GO level", () => {
  it("bets on the OBSERVE band against the GO level, with the bar ln 1/holdAboveGoAtMost", () => {
    expect(rule.aboveGo).toEqual({ goAtMost: 0.005, rate: 0.008, logBar: Math.log(100) });
  });

  it("holds from 42 errors of 5,000 (0.84%), not 41, and reverts neither", () => {
    // ln LR: 41 of 5,000 → 4.2958 (< ln 100 = 4.6052), 42 → 4.7688.
    const at41 = judgeEvidence(state(41, 5000), rule, quiet);
    const at42 = judgeEvidence(state(42, 5000), rule, quiet);
    expect(at41.aboveGo.logE).toBeCloseTo(4.295804255297952, 9);
    expect(at42.aboveGo.logE).toBeCloseTo(4.768827514417406, 9);
    expect([at41.aboveGoLevel, at42.aboveGoLevel]).toEqual([false, true]);
    expect([at41.revert, at42.revert]).toEqual([false, false]);
  });

  it("is never set together with a revert: a canary over the limit is reverted, not held", () => {
    const bad = judgeEvidence(state(60, 1000), rule, quiet);
    expect(bad.revert).toBe(true);
    expect(bad.aboveGoLevel).toBe(false);
  });

  it("holds a healthy canary (0.5%) at some check of 80 × 50 requests with probability 0.28% (≤ 1%)", () => {
    // Exact: forward DP over the cumulative errors, absorbing where the rule says aboveGoLevel.
    // Python's independent DP on the same formula: 0.002813660114302937.
    const m = 50;
    let dist = new Map<number, number>([[0, 1]]);
    let held = 0;
    const pmf: number[] = [];
    for (let e = 0, c = 1; e <= m; e++) {
      pmf.push(c * 0.005 ** e * 0.995 ** (m - e));
      c = (c * (m - e)) / (e + 1);
    }
    for (let check = 1; check <= 80; check++) {
      const next = new Map<number, number>();
      for (const [s, q] of dist)
        for (const [e, pe] of pmf.entries()) {
          if (pe < 1e-18) continue;
          const judged = judgeEvidence(state(s + e, check * m), rule, { requests: m, errors: e });
          if (judged.aboveGo.logE >= judged.aboveGo.logBar) held += q * pe;
          else next.set(s + e, (next.get(s + e) ?? 0) + q * pe);
        }
      dist = next;
    }
    expect(held).toBeCloseTo(0.002813660114302937, 9);
    expect(held).toBeLessThanOrEqual(0.01);
  });
});
