import { describe, expect, it } from "vitest";
import { EvidenceSettingsSchema } from "../../../../src/config/evidence";
import { deriveEvidenceRule } from "../../../../src/rollout/core/evidence/params";

/**
 * A plan of 1 s checks and 10-minute bakes spends alpha over 1,800 checks. The exact calibration
 * over such a horizon would run for hours before the first check is judged; the rule must come at
 * once, with the closed-form floors that carry the false-revert guarantee for any traffic.
 */
describe("evidence rule over a long plan", () => {
  const settings = EvidenceSettingsSchema.parse({});
  const limits = { rollbackAbove: 0.01, goAtMost: 0.005 };

  it("uses the Ville and Doob floors at 1,800 checks, for quiet and busy traffic", () => {
    const horizon = 1_800;
    for (const requests of [3, 50]) {
      const rule = deriveEvidenceRule(limits, { ...settings, horizonChecks: horizon }, requests);
      const alpha = settings.alpha;
      expect(rule.cumulativeLogBar).toBeCloseTo(Math.log(1 / (alpha * settings.cumulativeShare)), 9);
      const changePointBudget = alpha * (1 - settings.cumulativeShare - settings.oneCheckShare);
      expect(rule.changePointLogBar).toBeCloseTo(Math.log(horizon / changePointBudget), 9);
    }
  });
});
