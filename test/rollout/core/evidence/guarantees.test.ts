import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EvidenceSettingsSchema } from "../../../../src/config/evidence";
import { freshState } from "../../../../src/rollout/controller/prepare";
import { analyseCheck, initialAnalysisState } from "../../../../src/rollout/core/analysis/check";
import { SLOW_SHARE_LIMITS } from "../../../../src/rollout/core/analysis/evidence-rules";
import { exactRevert, exactRevertBounds } from "../../../../src/rollout/core/evidence/exact";
import { revertsNow } from "../../../../src/rollout/core/evidence/judge";
import { deriveEvidenceRule } from "../../../../src/rollout/core/evidence/params";
import {
  initialRelativeEvidence,
  judgeRelative,
  observeRelative,
  type RelativeRule,
} from "../../../../src/rollout/core/evidence/relative";
import {
  type CheckCounts,
  type CountEvidenceState,
  initialCountEvidence,
  observeCounts,
} from "../../../../src/rollout/core/evidence/state";
import type { RolloutState } from "../../../../src/rollout/core/state";
import { stateShapeProblem } from "../../../../src/rollout/core/state-shape";
import { check, prodWith } from "../../fixtures";

const config = EvidenceSettingsSchema.parse({});
const rule15 = deriveEvidenceRule({ rollbackAbove: 0.01, goAtMost: 0.005 }, config, 15);

/**
 * What a resume reads back, the way the store reads it: the state file's JSON, accepted by its shape
 * check (which parses the stored evidence), then used as parsed.
 */
function resumedFromDisk(errorRate: CountEvidenceState): CountEvidenceState {
  const state = freshState("prod", prodWith({}).releases, 0, 5);
  const evidence = { errorRate, slow: initialCountEvidence(), relative: null, ledger: null };
  const stored = { ...state, core: { ...state.core, analysis: { ...initialAnalysisState(), evidence } } };
  const read = JSON.parse(JSON.stringify(stored)) as RolloutState;
  const problem = stateShapeProblem(read);
  if (problem) throw new Error(`the store refuses the state it wrote: ${problem}`);
  return read.core.analysis.evidence?.errorRate as CountEvidenceState;
}

/** The check number of the first revert (or null), resuming from the state file after every `resumeEvery` checks. */
function decisions(checks: CheckCounts[], resumeEvery: number | null): number | null {
  let state: CountEvidenceState = initialCountEvidence();
  for (const [i, check] of checks.entries()) {
    state = observeCounts(state, check, rule15);
    if (revertsNow(state, rule15, check)) return i + 1;
    if (resumeEvery !== null && (i + 1) % resumeEvery === 0) {
      state = resumedFromDisk(state);
    }
  }
  return null;
}

const checkArb = fc
  .integer({ min: 0, max: 40 })
  .chain((requests) => fc.integer({ min: 0, max: requests }).map((errors) => ({ requests, errors })));

describe("the false-revert guarantee across resumes and data gaps", () => {
  it("decides identically with and without JSON round-trips and empty checks", () => {
    fc.assert(
      fc.property(
        fc.array(checkArb, { maxLength: 60 }),
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.nat(60), { maxLength: 10 }),
        (checks, resumeEvery, gapsAt) => {
          const plain = decisions(
            checks.filter((c) => c.requests > 0),
            null,
          );
          const withGaps: CheckCounts[] = [];
          for (const [i, c] of checks.entries()) {
            if (gapsAt.includes(i)) withGaps.push({ requests: 0, errors: 0 });
            if (c.requests > 0) withGaps.push(c);
          }
          const resumed = decisions(withGaps, resumeEvery);
          const nonEmptyBefore = (at: number | null) =>
            at === null ? null : withGaps.slice(0, at).filter((c) => c.requests > 0).length;
          expect(nonEmptyBefore(resumed)).toBe(plain);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("keeps the exact false-revert rate at most alpha whatever the gaps (gaps only drop checks)", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 20, maxLength: 40 }), (gaps) => {
        const schedule = gaps.map((gap) => ({ requests: gap ? 0 : 15, rate: 0.005, rule: rule15 }));
        expect(exactRevert(schedule).reverted).toBeLessThanOrEqual(config.alpha);
      }),
      { numRuns: 5 },
    );
  });
});

describe("relative check (canary vs stable)", () => {
  const rule: RelativeRule = {
    factor: 1.5,
    ratios: [
      { rate: 3, weight: 0.5 },
      { rate: 10, weight: 0.5 },
    ],
    logBar: Math.log(1000),
  };
  const verdictAfter = (canary: CheckCounts, stable: CheckCounts | null, checks = 5) => {
    let state = initialRelativeEvidence(rule);
    for (let i = 0; i < checks; i++) state = observeRelative(state, canary, stable, rule);
    return judgeRelative(state, rule, stable === null);
  };
  it.each([
    {
      name: "canary much worse than stable",
      canary: { requests: 100, errors: 10 },
      stable: { requests: 1900, errors: 19 },
      verdict: "worse",
    },
    {
      name: "equal rates",
      canary: { requests: 100, errors: 1 },
      stable: { requests: 1900, errors: 19 },
      verdict: "within",
    },
    {
      name: "stable counts missing",
      canary: { requests: 100, errors: 10 },
      stable: null,
      verdict: "inconclusive",
    },
  ])("$name → $verdict", ({ canary, stable, verdict }) => {
    expect(verdictAfter(canary, stable)).toBe(verdict);
  });

  it("an overwhelming check reverts at once even when the comparison with stable lacks stable's counts", () => {
    const cfg = prodWith({
      thresholds: {
        errorRate: { rollbackAbove: 0.01, consecutive: 3, goAtMost: 0.005, compareToStable: {} },
      },
    });
    const overwhelming = check(60, { requests: 150, errors: 30 }, { requests: null, errors: null });
    const result = analyseCheck(cfg, initialAnalysisState(), overwhelming, 5);
    expect(result.signals.find((s) => s.signal === "errorRate")?.verdict).toBe("NO-GO");
    expect(result.verdict).toBe("NO-GO");
  });
});

describe("P95 by counts: the slow-request share", () => {
  const slowRule = deriveEvidenceRule(SLOW_SHARE_LIMITS, config, 15);

  it("judges P95 as a 5% slow share (P95 above the limit), GO at 2.5%", () => {
    expect(SLOW_SHARE_LIMITS).toEqual({ rollbackAbove: 0.05, goAtMost: 0.025 });
  });

  it("reverts healthy windows (1% of requests slow, 15 per check) at most alpha over 60 checks", () => {
    // The sum of the two tests' exact crossing probabilities bounds the joint one from above.
    expect(exactRevertBounds(slowRule, 15, 60, 0.01).upper).toBeLessThanOrEqual(config.alpha);
  });

  it("reverts a window where a quarter of requests are slow", () => {
    const schedule = Array.from({ length: 10 }, () => ({ requests: 15, rate: 0.25, rule: slowRule }));
    expect(exactRevert(schedule).reverted).toBeGreaterThan(0.99);
  });
});
