import { describe, expect, it } from "vitest";
import { evaluationIntervalSeconds } from "../../src/gcp/traffic";

describe("alert evaluation interval", () => {
  it("is the smallest multiple of 30 s not shorter than the check interval, for every allowed interval", () => {
    for (let check = 1; check <= 3600; check++) {
      const interval = evaluationIntervalSeconds(check);
      expect(interval % 30).toBe(0);
      expect(interval).toBeGreaterThanOrEqual(check);
      expect(interval - 30).toBeLessThan(Math.max(check, 30));
    }
  });
});
