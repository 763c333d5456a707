import { describe, expect, it } from "vitest";
import { renderStage } from "../../src/synth/render";
import { inputs, one, prodWith, TYPES } from "./fixtures";

/**
 * Cloud Run's rules for a service in mode revisions
 * (https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services#RevisionTemplate):
 * a template that names its revision creates that revision, and a second template under the same
 * name is rejected (409 "already exists"); `traffic` may only name revisions that exist; a revision
 * name is `<service>-<suffix>`, a DNS label of at most 63 characters.
 */
const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

interface Traffic {
  type: string;
  revision: string;
  percent: number;
  tag?: string;
}

async function service(overrides: Record<string, unknown> = {}, gcp: Record<string, unknown> = {}) {
  const config = prodWith(overrides, gcp);
  const declared = inputs(one(await renderStage(config), TYPES.service));
  return { config, template: declared.template, traffics: declared.traffics as Traffic[] };
}

const v140 = { image: "us-central1-docker.pkg.dev/p/ion/ion-api:1.4.0", name: "ion-api-v1-4-0" };
const v150 = { image: "us-central1-docker.pkg.dev/p/ion/ion-api:1.5.0", name: "ion-api-v1-5-0" };

describe("Cloud Run revision names follow the template", () => {
  it("a changed template under the same release name gets a new revision name", async () => {
    const before = await service({}, { cpu: "1" });
    for (const change of [{ cpu: "2" }, { memory: "1Gi" }, { maxInstances: 30 }, { minInstances: 3 }]) {
      const after = await service({}, change);
      expect(after.template.revision, JSON.stringify(change)).not.toBe(before.template.revision);
    }
    // An image rebuilt under the same release name is a new template too.
    const rebuilt = await service({
      releases: { stable: v140, canary: { ...v150, image: `${v150.image}-rebuild` } },
    });
    expect(rebuilt.template.revision).not.toBe(before.template.revision);
  });

  it("the same template keeps its name (no new revision on a weight step)", async () => {
    const a = await service({ canaryWeight: 5 });
    const b = await service({ canaryWeight: 50, rolloutInProgress: true });
    expect(b.template.revision).toBe(a.template.revision);
  });

  it("names are DNS labels of at most 63 characters starting with <service>-", async () => {
    const { config, template, traffics } = await service();
    for (const name of [template.revision, ...traffics.map((entry) => entry.revision)]) {
      expect(name).toMatch(DNS_LABEL);
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name.startsWith(`${config.service.name}-`)).toBe(true);
    }
  });

  it("traffic sends the canary share to the template's revision and the rest to the stable one", async () => {
    const { template, traffics } = await service({ canaryWeight: 5 });
    const canary = traffics.find((entry) => entry.tag === "canary");
    const stable = traffics.find((entry) => entry.tag === "stable");
    expect(canary).toMatchObject({ revision: template.revision, percent: 5 });
    expect(stable?.percent).toBe(95);
    expect(stable?.revision).not.toBe(template.revision);
    expect(stable?.revision.startsWith("ion-api-v1-4-0-")).toBe(true);
  });

  it("after a promotion the stable revision is the one the canary created", async () => {
    const rollout = await service({ releases: { stable: v140, canary: v150 }, canaryWeight: 5 });
    const next = await service({
      releases: { stable: v150, canary: { ...v150, image: `${v150.image}-next`, name: "ion-api-v1-6-0" } },
    });
    expect(next.traffics.find((entry) => entry.tag === "stable")?.revision).toBe(rollout.template.revision);
  });

  it("a recorded releases.stable.revision is what traffic names", async () => {
    const { traffics } = await service({
      releases: { stable: { ...v140, revision: "ion-api-v1-4-0-00001-abc" }, canary: v150 },
    });
    expect(traffics.find((entry) => entry.tag === "stable")?.revision).toBe("ion-api-v1-4-0-00001-abc");
  });
});

describe("first deploy of an empty project", () => {
  it("no prior stable release: the template's revision only, at 100%, no canary traffic", async () => {
    const { template, traffics } = await service({
      releases: { stable: v140, canary: v140 },
      canaryWeight: 0,
    });
    expect(template.containers[0].image).toBe(v140.image);
    expect(traffics).toEqual([
      {
        type: "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
        revision: template.revision,
        percent: 100,
        tag: "stable",
      },
    ]);
  });
});
