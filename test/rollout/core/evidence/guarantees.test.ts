import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EvidenceSettingsSchema } from "../../../../src/config/evidence";
import { exactRevert, exactRevertBounds } from "../../../../src/rollout/core/evidence/exact";
import { judgeEvidence, revertsNow } from "../../../../src/rollout/core/evidence/judge";
import { deriveEvidenceRule, slowShareLimits } from "../../../../src/rollout/core/evidence/params";
import {
  initialRelativeEvidence,
  judgeRelative,
  observeRelative,
  type RelativeRule,
  revertDecision,
} from "../../../../src/rollout/core/evidence/relative";
import {
  type CheckCounts,
  type CountEvidenceState,
  initialCountEvidence,
  observeCounts,
  parseCountEvidence,
} from "../../../../src/rollout/core/evidence/state";

const config = EvidenceSettingsSchema.parse({});
const rule15 = deriveEvidenceRule({ rollbackAbove: 0.01, goAtMost: 0.005 }, config, 15);

/** The check number of the first revert (or null), resuming from JSON after every `resumeEvery` checks. */
function decisions(checks: CheckCounts[], resumeEvery: number | null): number | null {
  let state: CountEvidenceState = initialCountEvidence();
  for (const [i, check] of checks.entries()) {
    state = observeCounts(state, check, rule15);
    if (revertsNow(state, rule15, check)) return i + 1;
    if (resumeEvery !== null && (i + 1) % resumeEvery === 0) {
      state = parseCountEvidence(JSON.parse(JSON.stringify(state)));
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

  it("still reverts on absolute evidence when stable counts are missing", () => {
    const state = observeCounts(initialCountEvidence(), { requests: 150, errors: 30 }, rule15);
    const absolute = judgeEvidence(state, rule15, { requests: 150, errors: 30 }).revert;
    expect(absolute).toBe(true);
    expect(revertDecision(absolute, verdictAfter({ requests: 150, errors: 30 }, null))).toBe(true);
  });
});

describe("P95 by counts: the slow-request share", () => {
  const limits = slowShareLimits();
  const slowRule = deriveEvidenceRule(limits, config, 15);

  it("derives a 5% limit and a 2.5% GO share", () => {
    expect(limits.rollbackAbove).toBeCloseTo(0.05);
    expect(limits.goAtMost).toBeCloseTo(0.025);
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
