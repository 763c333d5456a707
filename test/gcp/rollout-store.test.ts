import { describe, expect, it } from "vitest";
import { readStageFile } from "../../src/config";
import { renderStage } from "../../src/synth/render";
import { inputs, ofType, one, prodWith } from "./fixtures";

const BUCKET = "gcp:storage/bucket:Bucket";
const BUCKET_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember";
/** The committed prod file's store bucket and the CI's deploy service account, as written there. */
const PROD_BUCKET = "internal-ai-innovation-ion-rollout";
const DEPLOY_SA = "serviceAccount:ion-deploy@internal-ai-innovation.iam.gserviceaccount.com";

describe("prod's rollout store bucket", async () => {
  const rendered = await renderStage(prodWith());
  const bucket = one(rendered, BUCKET);

  it("is the bucket rollout.store names, IAM-only and never public, kept when the stack goes", () => {
    expect(inputs(bucket)).toMatchObject({
      name: PROD_BUCKET,
      project: "internal-ai-innovation",
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      forceDestroy: false,
    });
    expect(bucket.parent?.type).toBe("ion-deploy:gcp:RolloutStoreBucket");
    expect(bucket.options?.retainOnDelete).toBe(true);
    expect(rendered.outputs.rolloutStoreBucket).toBe(PROD_BUCKET);
  });

  it("grants the deploy service account object access on that bucket alone, and nobody else anything", () => {
    const grants = ofType(rendered, BUCKET_MEMBER).map(inputs);
    expect(grants).toEqual([{ bucket: PROD_BUCKET, role: "roles/storage.objectUser", member: DEPLOY_SA }]);
    const bindings = rendered.resources.filter((r) => r.type.startsWith("gcp:storage/"));
    expect(bindings.map((r) => r.type).sort()).toEqual([BUCKET, BUCKET_MEMBER]);
  });
});

describe("a stage whose store is a directory", () => {
  it("declares no bucket and exports none", async () => {
    const rollout = readStageFile("prod").raw.rollout as Record<string, unknown>;
    const rendered = await renderStage(prodWith({ rollout: { ...rollout, store: { kind: "directory" } } }));
    expect(ofType(rendered, BUCKET)).toEqual([]);
    expect(ofType(rendered, BUCKET_MEMBER)).toEqual([]);
    expect(rendered.outputs).not.toHaveProperty("rolloutStoreBucket");
  });
});
