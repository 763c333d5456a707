import { describe, expect, it } from "vitest";
import { EvidenceSettingsSchema } from "../../../../src/config/evidence";
import { evidenceRule, trafficLevel } from "../../../../src/rollout/core/analysis/evidence-rules";
import { binomialTable } from "../../../../src/rollout/core/evidence/binomial";
import { oneCheckErrorsToRevert } from "../../../../src/rollout/core/evidence/one-check";

/**
 * Past the exact calibration's reach the one-check trigger's count comes from a Chernoff bound:
 * never below the exact count (the per-check guarantee stands) and close to it, in constant time.
 */
const limits = { rollbackAbove: 0.01, goAtMost: 0.005 };
const settings = EvidenceSettingsSchema.parse({});

/** The smallest k whose exact upper tail P(Bin(n, p) ≥ k) is at most `atMost`, from the table. */
function exactCount(n: number, p: number, atMost: number): number {
  const table = binomialTable(n, p);
  let tail = table.omitted;
  for (let i = table.probabilities.length - 1; i >= 0; i--) {
    tail += table.probabilities[i] as number;
    if (tail > atMost) return table.from + i + 1;
  }
  return table.from;
}

describe("the one-check trigger beyond the exact table", () => {
  it("2^21 + 1 requests: the count keeps healthy and OBSERVE-band triggers within budget and is within 1% of exact", () => {
    const n = 2 ** 21 + 1;
    const rule = evidenceRule(limits, settings, trafficLevel(undefined, n));
    const k = oneCheckErrorsToRevert(n, rule) as number;
    const { nullAtMost, holdRate, holdAtMost } = rule.oneCheck;
    const exact = Math.max(exactCount(n, rule.nullRate, nullAtMost), exactCount(n, holdRate, holdAtMost));
    expect(k).toBeGreaterThanOrEqual(exact);
    expect(k).toBeLessThanOrEqual(exact * 1.01);
  });

  it("10^15 requests: a finite count above the null rate's mean, at once", () => {
    const n = 1e15;
    const rule = evidenceRule(limits, settings, trafficLevel(undefined, 2 ** 30));
    const k = oneCheckErrorsToRevert(n, rule) as number;
    expect(Number.isFinite(k)).toBe(true);
    expect(k).toBeGreaterThan(n * rule.nullRate);
    expect(k).toBeLessThan(n * limits.rollbackAbove);
  });
});
