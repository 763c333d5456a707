import { describe, expect, it } from "vitest";
import { revisionNames } from "../../src/config/cloud-run-revision-names";
import {
  check,
  editResource,
  outcomeOf,
  render,
  renderCommitted,
  stageWith,
  TYPES,
  violationsOf,
} from "./fixtures";

/** The committed prod stage's Cloud Run revision names (`<release>-<template hash>`). */
const { stable: STABLE_REVISION, canary: CANARY_REVISION } = revisionNames(stageWith("prod", {}));

const SUM = "traffic-weights-sum-to-100";
const FIRST_STEP = "canary-within-first-step-unless-rolling-out";
const TAGGED = "canary-revision-tagged";

type Traffic = { revision?: string; percent?: number; tag?: string };
type Weighted = { backendService: string; weight: number };
type Forward = { forward: { targetGroups: { arn: string; weight: number }[] } };

/** Prod in mode `services`: blue/green Cloud Run services behind the weighted URL map. */
function prodServices(overrides: Record<string, unknown> = {}) {
  return stageWith("prod", {
    gcp: { mode: "services" },
    releases: {
      stable: { image: "registry/ion-api:1.4.0", name: "ion-api" },
      canary: { image: "registry/ion-api:1.5.0", name: "ion-api-canary" },
    },
    ...overrides,
  });
}

function setTraffic(percents: Record<string, number>) {
  return (inputs: Record<string, unknown>) => {
    for (const entry of inputs.traffics as Traffic[]) {
      const percent = percents[entry.tag ?? ""];
      if (percent !== undefined) entry.percent = percent;
    }
  };
}

describe(SUM, () => {
  it("catches a Cloud Run split of 90 + 5 (the committed 95 + 5 passes)", async () => {
    const prod = await renderCommitted("prod");
    expect(violationsOf(await check(prod), SUM)).toEqual([]);
    const run = await check(editResource(prod, TYPES.service, "ion-api", setTraffic({ stable: 90 })));
    expect(violationsOf(run, SUM).map((violation) => violation.message)).toEqual([
      `Service "ion-api": traffics percentages add up to 95, not 100 (${STABLE_REVISION}=90, ${CANARY_REVISION}=5), so the split is not what the config says. Fix: let the stack derive the split from ion-deploy:canaryWeight (stable = 100 - canary) instead of setting weights by hand.`,
    ]);
  });

  it("catches URL-map weights of 95 + 50 in mode services (the rendered 95 + 5 passes)", async () => {
    const rendered = await render(prodServices());
    expect(violationsOf(await check(rendered), SUM)).toEqual([]);
    const edited = editResource(rendered, TYPES.urlMap, "prod-lb-split", (inputs) => {
      const weighted = (inputs.defaultRouteAction as { weightedBackendServices: Weighted[] })
        .weightedBackendServices;
      (weighted[1] as Weighted).weight = 50;
    });
    const found = violationsOf(await check(edited), SUM);
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toMatch(
      /^URLMap "prod-lb-split": defaultRouteAction weights add up to 145, not 100/,
    );
  });

  it("catches ALB forward weights of 100 + 10 on the staging HTTPS listener", async () => {
    const edited = editResource(
      await renderCommitted("staging"),
      TYPES.listener,
      "staging-alb-https",
      (inputs) => {
        const groups = (inputs.defaultActions as Forward[])[0]?.forward.targetGroups ?? [];
        (groups[1] as { weight: number }).weight = 10;
      },
    );
    const found = violationsOf(await check(edited), SUM);
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toMatch(
      /^Listener "staging-alb-https": defaultActions 1 \(forward\) weights add up to 110/,
    );
  });
});

describe(FIRST_STEP, () => {
  it("catches a 25% canary on prod's Cloud Run service with no rollout in progress", async () => {
    const edited = editResource(
      await renderCommitted("prod"),
      TYPES.service,
      "ion-api",
      setTraffic({ stable: 75, canary: 25 }),
    );
    const found = violationsOf(await check(edited), FIRST_STEP);
    expect(found.map((violation) => violation.message)).toEqual([
      expect.stringContaining(
        `traffics sends 25% of traffic to the canary ${CANARY_REVISION}, past stage prod's first rollout step (5%), and no rollout is in progress`,
      ),
    ]);
    expect(found[0]?.message).toContain("set ion-deploy:canaryWeight to at most 5 in Pulumi.prod.yaml");
  });

  it("passes the same 25% while ion-rollout drives the release (rolloutInProgress labels the service)", async () => {
    const run = await check(await render(stageWith("prod", { canaryWeight: 25, rolloutInProgress: true })));
    expect(violationsOf(run, FIRST_STEP)).toEqual([]);
    expect(outcomeOf(run, FIRST_STEP)).toBe("passed");
  });

  it("passes a fully promoted canary (100%) with no rollout in progress", async () => {
    const run = await check(await render(stageWith("prod", { canaryWeight: 100 })));
    expect(violationsOf(run, FIRST_STEP)).toEqual([]);
  });

  it("reads the URL map's description in mode services: 50% in progress passes, marked idle it is caught", async () => {
    const rolling = await render(prodServices({ canaryWeight: 50, rolloutInProgress: true }));
    expect(violationsOf(await check(rolling), FIRST_STEP)).toEqual([]);
    const idle = editResource(rolling, TYPES.urlMap, "prod-lb-split", (inputs) => {
      inputs.description = String(inputs.description).replace("ion-rollout=in-progress", "ion-rollout=idle");
    });
    const found = violationsOf(await check(idle), FIRST_STEP);
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toMatch(/sends 50% of traffic to the canary prod-lb-canary-backend/);
  });

  it("reads the ALB listener's ion-rollout tag: staging 50/50 in progress passes, tagged idle it is caught", async () => {
    const rolling = await render(stageWith("staging", { canaryWeight: 50, rolloutInProgress: true }));
    expect(violationsOf(await check(rolling), FIRST_STEP)).toEqual([]);
    const idle = editResource(rolling, TYPES.listener, "staging-alb-https", (inputs) => {
      (inputs.tags as Record<string, string>)["ion-rollout"] = "idle";
    });
    const found = violationsOf(await check(idle), FIRST_STEP);
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toContain("past stage staging's first rollout step (10%)");
  });
  it("on blue/green target groups, follows the listener's ion-canary tag: green at 90% idle is caught only when named", async () => {
    const flipped = editResource(
      await renderCommitted("staging"),
      TYPES.listener,
      "staging-alb-https",
      (inputs) => {
        const groups = (inputs.defaultActions as Forward[])[0]?.forward.targetGroups ?? [];
        (groups[0] as { weight: number }).weight = 10;
        (groups[1] as { weight: number }).weight = 90;
        delete (inputs.tags as Record<string, string>)["ion-canary"];
      },
    );
    // Unnamed, the smaller side (blue, 10%) is the candidate: within the first step.
    expect(violationsOf(await check(flipped), FIRST_STEP)).toEqual([]);
    const named = editResource(flipped, TYPES.listener, "staging-alb-https", (inputs) => {
      (inputs.tags as Record<string, string>)["ion-canary"] = "green";
    });
    const found = violationsOf(await check(named), FIRST_STEP);
    expect(found.map((violation) => violation.message)).toEqual([
      expect.stringMatching(/sends 90% of traffic to the canary .*staging-alb-green/),
    ]);
  });
});

describe(TAGGED, () => {
  it("catches a revision split whose canary entry lost its tag (the committed split is tagged)", async () => {
    const prod = await renderCommitted("prod");
    expect(outcomeOf(await check(prod), TAGGED)).toBe("passed");
    const untagged = editResource(prod, TYPES.service, "ion-api", (inputs) => {
      for (const entry of inputs.traffics as Traffic[]) {
        if (entry.tag === "canary") delete entry.tag;
      }
    });
    const found = violationsOf(await check(untagged), TAGGED);
    expect(found.map((violation) => violation.message)).toEqual([
      `Service "ion-api": splits traffic between revisions but none is tagged "canary" (untagged: ${CANARY_REVISION} (5%)), so the canary ${CANARY_REVISION} has no URL of its own to probe before it takes traffic. Fix: give the canary revision's traffic entry tag: "canary".`,
    ]);
  });
});
