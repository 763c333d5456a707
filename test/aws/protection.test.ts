import { describe, expect, it } from "vitest";
import { renderStage } from "../../src/synth/render";
import { inputs, ofType, stagingWith, TYPES } from "./fixtures";

/**
 * Every resource that holds data or keys to data, and how it survives a mistaken delete or
 * replacement: `protect` fails the update (https://www.pulumi.com/docs/iac/concepts/options/protect/),
 * `retainOnDelete` leaves the cloud resource in place when Pulumi deletes it
 * (https://www.pulumi.com/docs/iac/concepts/options/retainondelete/).
 */
const EXPECTED: Record<string, { protect?: boolean; retainOnDelete?: boolean }> = {
  [`${TYPES.docdbCluster}::staging-docdb`]: { protect: true },
  [`${TYPES.kmsKey}::staging-key`]: { protect: true },
  [`${TYPES.bucket}::staging-files`]: { retainOnDelete: true },
  [`${TYPES.bucket}::staging-rollout-store`]: { retainOnDelete: true },
  [`${TYPES.ecr}::staging-ecr`]: { retainOnDelete: true },
};

describe("stateful resources are protected", async () => {
  const rendered = await renderStage(stagingWith());

  it("DocumentDB and the KMS key are protected; the files bucket and the registry are retained on delete", () => {
    for (const [key, expected] of Object.entries(EXPECTED)) {
      const [type, name] = key.split("::");
      const found = rendered.resources.filter((resource) => resource.type === type && resource.name === name);
      expect(found, key).toHaveLength(1);
      expect(found[0]?.options ?? {}, key).toMatchObject(expected);
    }
  });

  it("no other bucket, key, registry or database is left unguarded", () => {
    const stateful = [TYPES.docdbCluster, TYPES.kmsKey, TYPES.ecr, TYPES.redis];
    for (const resource of rendered.resources.filter((r) =>
      stateful.includes(r.type as (typeof stateful)[number]),
    )) {
      const guarded = resource.options?.protect === true || resource.options?.retainOnDelete === true;
      const snapshotted = resource.type === TYPES.redis && Boolean(inputs(resource).finalSnapshotIdentifier);
      expect(guarded || snapshotted, `${resource.type} ${resource.name}`).toBe(true);
    }
  });

  it("Redis takes a final snapshot when it is deleted", () => {
    for (const redis of ofType(rendered, TYPES.redis)) {
      expect(inputs(redis).finalSnapshotIdentifier).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
    }
  });
});
