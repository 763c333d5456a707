import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { revisionNames } from "../../src/config/cloud-run-revision-names";
import { revisionTraffics } from "../../src/gcp/traffic";
import { renderStage } from "../../src/synth/render";
import { inputs, one, prodWith, TYPES } from "./fixtures";

// Every weight 0-100 on the pure traffic function (milliseconds), and a few full renders that
// prove the stack declares what that function computes.
const RENDERED_WEIGHTS = [0, 1, 37, 100];

describe("mode revisions: the Cloud Run traffic split for every canary weight", () => {
  it("revisionTraffics: sums to 100, the canary revision gets exactly its weight, both tags kept", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), (weight) => {
        const config = prodWith({ canaryWeight: weight, rolloutInProgress: true });
        const traffics = revisionTraffics(config);
        expect(traffics.reduce((sum, entry) => sum + entry.percent, 0)).toBe(100);
        const names = revisionNames(config);
        expect(traffics.find((entry) => entry.tag === "canary")).toMatchObject({
          revision: names.canary,
          percent: weight,
        });
        expect(traffics.find((entry) => entry.tag === "stable")).toMatchObject({
          revision: names.stable,
          percent: 100 - weight,
        });
        expect(names.canary.startsWith(`${config.releases.canary.name}-`)).toBe(true);
        expect(names.stable.startsWith(`${config.releases.stable.name}-`)).toBe(true);
      }),
      { numRuns: 101 },
    );
  });

  it("the rendered service sums to 100, gives the canary exactly its weight and always keeps the canary tag", async () => {
    for (const weight of RENDERED_WEIGHTS) {
      const config = prodWith({ canaryWeight: weight, rolloutInProgress: true });
      const rendered = await renderStage(config);
      const service = inputs(one(rendered, TYPES.service));
      const traffics = service.traffics as {
        type: string;
        revision: string;
        percent: number;
        tag: string;
      }[];
      expect(traffics.reduce((sum, entry) => sum + entry.percent, 0)).toBe(100);
      const canary = traffics.filter((entry) => entry.tag === "canary");
      const stable = traffics.filter((entry) => entry.tag === "stable");
      expect(canary).toHaveLength(1);
      expect(stable).toHaveLength(1);
      expect(canary[0]).toMatchObject({
        type: "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
        revision: service.template.revision,
        percent: weight,
      });
      expect(stable[0]?.revision.startsWith(`${config.releases.stable.name}-`)).toBe(true);
      expect(stable[0]?.percent).toBe(100 - weight);
      // The stack's outputs report the split Cloud Run says it serves, and the canary's own URL.
      expect(rendered.outputs.weights).toEqual({ stable: 100 - weight, canary: weight });
      expect(rendered.outputs.canaryUrl).toMatch(/^https:\/\/canary---/);
    }
  });
});

describe("mode revisions: old side retired", () => {
  it("traffics hold only the canary revision at 100%, tagged canary", async () => {
    const config = prodWith({ canaryWeight: 100, oldSideRetired: true });
    const rendered = await renderStage(config);
    const service = inputs(one(rendered, TYPES.service));
    expect(service.traffics).toEqual([
      {
        type: "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
        revision: service.template.revision,
        percent: 100,
        tag: "canary",
      },
    ]);
    expect(rendered.outputs.weights).toEqual({ stable: 0, canary: 100 });
  });
});
