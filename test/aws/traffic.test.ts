import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { releaseSides, weightedForward } from "../../src/aws/traffic";
import { renderStage } from "../../src/synth/render";
import { byArn, inputs, ofType, stagingWith, TYPES } from "./fixtures";

/** A rollout in progress may hold any weight; idle configs may not pass the first step. */
const atWeight = (canaryWeight: number) => stagingWith({ canaryWeight, rolloutInProgress: true });

describe("listener weights", () => {
  it("for every canary weight 0-100: one forward, two groups, stable 100 - w and canary w, sum 100", () => {
    for (let weight = 0; weight <= 100; weight++) {
      const action = weightedForward(atWeight(weight), { stable: "arn:stable", canary: "arn:canary" });
      expect(action.type).toBe("forward");
      expect(action.forward.targetGroups).toEqual([
        { arn: "arn:stable", weight: 100 - weight },
        { arn: "arn:canary", weight },
      ]);
      const sum = action.forward.targetGroups.reduce((total, group) => total + group.weight, 0);
      expect(sum).toBe(100);
    }
  });

  it("the rendered HTTPS listener forwards to the stable and canary target groups at the configured weights", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 100 }), async (weight) => {
        const config = atWeight(weight);
        const rendered = await renderStage(config);
        const https = ofType(rendered, TYPES.listener)
          .map(inputs)
          .filter((listener) => listener.port === 443);
        expect(https).toHaveLength(1);
        const actions = https[0].defaultActions;
        expect(actions).toHaveLength(1);
        expect(actions[0].type).toBe("forward");
        const groups = actions[0].forward.targetGroups as { arn: string; weight: number }[];
        expect(groups.reduce((total, group) => total + group.weight, 0)).toBe(100);
        for (const side of releaseSides(config)) {
          const group = groups.filter(
            (candidate) =>
              inputs(byArn(rendered, candidate.arn, TYPES.targetGroup)).tags["ion-side"] ===
              side.release.name,
          );
          expect(group).toEqual([{ arn: expect.any(String), weight: side.weight }]);
        }
        expect(rendered.outputs.weights).toEqual({ stable: 100 - weight, canary: weight });
      }),
      { numRuns: 3, examples: [[0], [100]] },
    );
  });
});
