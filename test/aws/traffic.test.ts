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

describe("old side retired", () => {
  const retired = () => stagingWith({ canaryWeight: 100, oldSideRetired: true });

  it("the listener forwards only to the canary target group, at 100", () => {
    const action = weightedForward(retired(), { stable: "arn:stable", canary: "arn:canary" });
    expect(action.forward.targetGroups).toEqual([{ arn: "arn:canary", weight: 100 }]);
  });

  it("renders one forward to the canary group; the stable service runs 0 tasks, its group and alarms stay", async () => {
    const config = retired();
    const rendered = await renderStage(config);
    const https = ofType(rendered, TYPES.listener)
      .map(inputs)
      .filter((listener) => listener.port === 443);
    const groups = https[0].defaultActions[0].forward.targetGroups as { arn: string; weight: number }[];
    expect(groups).toHaveLength(1);
    expect(groups[0]?.weight).toBe(100);
    expect(inputs(byArn(rendered, groups[0]?.arn, TYPES.targetGroup)).tags["ion-role"]).toBe("canary");

    const services = ofType(rendered, TYPES.ecsService).map(inputs);
    const byRole = (role: string) => services.find((service) => service.tags["ion-role"] === role);
    expect(byRole("stable")?.desiredCount).toBe(0);
    expect(byRole("canary")?.desiredCount).toBe(config.aws?.ecs.desiredCount);
    expect(ofType(rendered, TYPES.targetGroup)).toHaveLength(2);
    const alarmed = new Set(ofType(rendered, TYPES.alarm).map((alarm) => inputs(alarm).tags?.["ion-role"]));
    expect(alarmed).toContain("stable");
    expect(rendered.outputs.weights).toEqual({ stable: 0, canary: 100 });
  });

  it("the config refuses oldSideRetired below 100%", () => {
    expect(() => stagingWith({ canaryWeight: 5, oldSideRetired: true })).toThrow(/oldSideRetired/);
  });
});
