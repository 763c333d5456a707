import { describe, expect, it } from "vitest";
import { EvidenceSettingsSchema } from "../../../../src/config/evidence";
import {
  changePointCrossing,
  changePointCrossings,
} from "../../../../src/rollout/core/evidence/change-point-crossing";
import { cumulativeCrossing, exactRevert } from "../../../../src/rollout/core/evidence/exact";
import { exactGoPass } from "../../../../src/rollout/core/evidence/exact-go";
import { deriveEvidenceRule, slowShareLimits } from "../../../../src/rollout/core/evidence/params";

/**
 * The exact DPs behind a traffic level's bars were rewritten for speed (typed arrays, one table of
 * ln C per bar search, a search that stops once a bar is past its budget; plain loops for the GO
 * gate's and the joint rule's DPs). A speed-up must not move a figure by one bit: these were
 * computed by the DPs the rewrite replaced (main at 2bfb3d0) and are compared with `toBe`
 * (Object.is), so a change in the order the probabilities are added, in pruning, or in the
 * bisection shows here.
 */
const settings = EvidenceSettingsSchema.parse({});
const errorRate = { rollbackAbove: 0.01, goAtMost: 0.005 };
const slowShare = slowShareLimits();

describe("derived evidence rules are the same to the bit as before the DP rewrite", () => {
  const rules: [string, typeof errorRate, number, number, number, number][] = [
    // limits, requests per check, horizon, then the change-point and cumulative bars (ln).
    ["error rate", errorRate, 1, 80, 12.493754717981954, 8.294049640102028],
    ["error rate", errorRate, 50, 80, 16.1640625, 11.309674640102028],
    ["error rate", errorRate, 200, 60, 18.2109375, 10.090924640102028],
    ["slow share", slowShare, 256, 80, 19.25, 8.340924640102028],
    ["slow share", slowShare, 3, 120, 13.8359375, 9.122174640102028],
  ];
  for (const [name, limits, requests, horizon, changePoint, cumulative] of rules) {
    it(`${name}, ${requests} requests per check over ${horizon} checks`, () => {
      const rule = deriveEvidenceRule(limits, { ...settings, horizonChecks: horizon }, requests);
      expect(rule.changePointLogBar).toBe(changePoint);
      expect(rule.cumulativeLogBar).toBe(cumulative);
    });
  }

  // The alternatives and null rate (all the crossing DPs read) do not depend on the traffic level.
  const rule = deriveEvidenceRule(errorRate, { ...settings, horizonChecks: 80 }, 1);
  const crossings: [number, number, number, number, number, number][] = [
    // requests, checks, rate, change-point bar; P(CUSUM crosses), P(cumulative crosses bar − 3).
    [100, 80, 0.008, 12, 0.029025008170724686, 0.01048423159916951],
    [100, 80, 0.008, 17.5, 0.002232630443575866, 0.0009249135985352016],
    [7, 40, 0.02, 9, 0.1060537848565428, 0.26165557924058447],
    [1000, 30, 0.005, 14, 0.000002318130309738732, 0.0000013418452049834653],
  ];
  it("crossing probabilities, each DP on its own", () => {
    for (const [requests, checks, rate, bar, changePoint, cumulative] of crossings) {
      expect(changePointCrossing(rule, requests, checks, rate, bar)).toBe(changePoint);
      const lowered = { ...rule, cumulativeLogBar: bar - 3 };
      expect(cumulativeCrossing(lowered, requests, checks, rate)).toBe(cumulative);
    }
  });

  it("a bar search's shared tables give each bar the figure a lone call gives; a stop only when past it", () => {
    const [requests, checks, rate] = [100, 80, 0.008];
    const search = changePointCrossings(rule, requests, checks, rate);
    expect(search(12)).toBe(0.029025008170724686);
    expect(search(17.5)).toBe(0.002232630443575866);
    expect(search(12)).toBe(0.029025008170724686);
    // Stopped early: a partial figure, still past the stop; never stopped when within it.
    const stopped = search(12, 0.01);
    expect(stopped).toBeGreaterThan(0.01);
    expect(stopped).toBeLessThan(0.029025008170724686);
    expect(search(17.5, 0.01)).toBe(0.002232630443575866);
  });

  it("the GO gate's and the joint revert rule's exact figures", () => {
    expect(exactGoPass(rule.go, Array(10).fill(50), 0.003)).toBe(0.22262767757661056);
    expect(exactGoPass(rule.go, Array(20).fill(200), 0.01)).toBe(0.027575206048814783);
    const joint = exactRevert(Array.from({ length: 20 }, () => ({ requests: 50, rate: 0.02, rule })));
    expect(joint.reverted).toBe(0.8086680551895653);
    expect(joint.expectedFailedRequests).toBe(13.214361752831238);
    expect(joint.omitted).toBe(4.910479481718355e-15);
  });
});
