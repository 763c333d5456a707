import { describe, expect, it } from "vitest";
import { EvidenceSettingsSchema } from "../../src/config";
import { prodWith } from "../rollout/fixtures";

describe("thresholds.*.evidence", () => {
  it("defaults every engine parameter (docs/evidence.md's design)", () => {
    expect(EvidenceSettingsSchema.parse({})).toMatchObject({
      alpha: 0.001,
      nullFactor: 0.5,
      alternatives: [2.1, 10],
      weights: [0.85, 0.15],
      advanceAtLimitAtMost: 0.05,
    });
  });

  it("rejects a bad key with an error naming it", () => {
    expect(() =>
      prodWith({
        thresholds: {
          errorRate: { rollbackAbove: 0.01, consecutive: 3, goAtMost: 0.005, evidence: { alpha: 2 } },
        },
      }),
    ).toThrow(/thresholds\.errorRate\.evidence\.alpha/);
    expect(() => prodWith({ rollout: { analysis: "bayesian" } })).toThrow(/rollout\.analysis/);
    expect(() => prodWith({ rollout: { expectedRequestsPerSecond: -1 } })).toThrow(
      /rollout\.expectedRequestsPerSecond/,
    );
    expect(() =>
      prodWith({ thresholds: { errorRate: { rollbackAbove: 0.01, consecutive: 3, goAtMost: 0.01 } } }),
    ).toThrow(/thresholds\.errorRate\.goAtMost.*below rollbackAbove/);
  });

  it("prod and staging default to sequential", () => {
    expect(prodWith({}).rollout.analysis).toBe("sequential");
  });
});
