import { describe, expect, it } from "vitest";
import { renderStage } from "../../src/synth/render";
import { inputs, one, prodWith, TYPES } from "./fixtures";

// Every weight 0-100, exhaustively: a Cloud Run service's traffic must always describe the
// configured split exactly.
/** 101 renders: ~10-20 s alone, several times that when the machine is shared; never the 60 s default. */
const EXHAUSTIVE_TIMEOUT_MS = 300_000;

describe("mode revisions: the Cloud Run traffic split for every canary weight", () => {
  it(
    "sums to 100, gives the canary exactly its weight and always keeps the canary tag",
    async () => {
      for (let weight = 0; weight <= 100; weight++) {
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
    },
    EXHAUSTIVE_TIMEOUT_MS,
  );
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
