import { describe, expect, it } from "vitest";
import { EvidenceSettingsSchema } from "../../src/config";
import { EvidenceConfigSchema } from "../../src/rollout/core/evidence/params";
import { prodWith } from "../rollout/fixtures";

describe("thresholds.*.evidence", () => {
  it("declares the engine's keys and defaults exactly (config sits below the core, so the shape is typed twice)", () => {
    expect(EvidenceSettingsSchema.parse({})).toEqual(EvidenceConfigSchema.parse({}));
    expect(Object.keys(EvidenceSettingsSchema.parse({})).sort()).toEqual(
      Object.keys(EvidenceConfigSchema.shape).sort(),
    );
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
