import { describe, expect, it } from "vitest";
import { renderStage } from "../../src/synth/render";
import { byId, defined, inputs, ofType, one, servicesWith, TYPES } from "./fixtures";

// The split itself is `splitOf` (test/config/split.test.ts, every weight); these renders follow
// the URL map to the Cloud Run service each weight reaches, at the edges and in between.
const RENDERED_WEIGHTS = [0, 1, 37, 100];

describe("mode services: the load balancer split", () => {
  it("URL-map weights sum to 100 and route the canary's weight to the canary service", async () => {
    for (const weight of RENDERED_WEIGHTS) {
      const config = servicesWith({ canaryWeight: weight, rolloutInProgress: true });
      const rendered = await renderStage(config);
      const splitMap = ofType(rendered, TYPES.urlMap).find((map) => inputs(map).defaultRouteAction);
      expect(splitMap).toBeDefined();
      const weighted = inputs(defined(splitMap)).defaultRouteAction.weightedBackendServices as {
        backendService: string;
        weight: number;
      }[];
      expect(weighted.reduce((sum, entry) => sum + entry.weight, 0)).toBe(100);
      // Follow each entry to the Cloud Run service it reaches: URL map → backend → NEG → service.
      const shareByService = new Map<string, number>();
      for (const entry of weighted) {
        const backend = byId(rendered, entry.backendService);
        const neg = byId(rendered, inputs(backend).backends[0].group);
        shareByService.set(inputs(neg).cloudRun.service, entry.weight);
      }
      expect(shareByService.get(config.releases.canary.name)).toBe(weight);
      expect(shareByService.get(config.releases.stable.name)).toBe(100 - weight);
      expect(rendered.outputs.weights).toEqual({ stable: 100 - weight, canary: weight });
      // Each service serves all of its own traffic from its latest revision.
      for (const release of [config.releases.stable, config.releases.canary]) {
        expect(inputs(one(rendered, TYPES.service, release.name)).traffics).toEqual([
          { type: "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", percent: 100 },
        ]);
      }
    }
  });
});

describe("mode services: old side retired", () => {
  it("declares no stable service, NEG or backend; the URL map weights only the canary backend", async () => {
    const config = servicesWith({ canaryWeight: 100, oldSideRetired: true });
    const rendered = await renderStage(config);
    expect(ofType(rendered, TYPES.service).map((service) => service.name)).toEqual([
      config.releases.canary.name,
    ]);
    expect(ofType(rendered, TYPES.neg)).toHaveLength(1);
    expect(ofType(rendered, TYPES.backend)).toHaveLength(1);
    const splitMap = ofType(rendered, TYPES.urlMap).find((map) => inputs(map).defaultRouteAction);
    const weighted = inputs(defined(splitMap)).defaultRouteAction.weightedBackendServices as {
      backendService: string;
      weight: number;
    }[];
    expect(weighted).toHaveLength(1);
    expect(weighted[0]?.weight).toBe(100);
    const neg = byId(rendered, inputs(byId(rendered, weighted[0]?.backendService)).backends[0].group);
    expect(inputs(neg).cloudRun.service).toBe(config.releases.canary.name);
    expect(rendered.outputs.weights).toEqual({ stable: 0, canary: 100 });
  });
});
