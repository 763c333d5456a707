import { describe, expect, it } from "vitest";
import { storeAccessPolicy } from "../../src/aws/rollout-store-bucket";
import { checkAwsStage } from "../../src/aws/settings";
import { renderStage } from "../../src/synth/render";
import { byId, configIssues, inputs, ofType, stagingRaw, stagingWith, TYPES } from "./fixtures";

/** The committed staging file's store bucket and prefix, as written there. */
const STAGING_BUCKET = "ion-rollout-staging-123456789012";
const PREFIX = "ion-rollout/";
const OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls";

function storeWith(store: Record<string, unknown>) {
  const rollout = stagingRaw().rollout as Record<string, unknown>;
  return stagingWith({ rollout: { ...rollout, store: { ...(rollout.store as object), ...store } } });
}

describe("staging's rollout store bucket", async () => {
  const rendered = await renderStage(stagingWith());
  const bucket = ofType(rendered, TYPES.bucket).find((b) => inputs(b).bucket === STAGING_BUCKET);
  const ofBucket = (type: string) =>
    ofType(rendered, type).filter((r) => bucket && byId(rendered, inputs(r).bucket, TYPES.bucket) === bucket);

  it("is the bucket rollout.store names, kept when the stack goes", () => {
    expect(bucket?.parent?.type).toBe("ion-deploy:aws:PrivateBucket");
    expect(bucket?.options?.retainOnDelete).toBe(true);
    expect(rendered.outputs.rolloutStoreBucket).toBe(STAGING_BUCKET);
  });

  it("blocks every kind of public access, disables ACLs and encrypts at rest", () => {
    expect(ofBucket(TYPES.publicAccessBlock).map(inputs)).toMatchObject([
      { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    ]);
    expect(ofBucket(OWNERSHIP).map((r) => inputs(r).rule.objectOwnership)).toEqual(["BucketOwnerEnforced"]);
    const rules = ofBucket(TYPES.bucketEncryption).map((r) => inputs(r).rules[0]);
    expect(rules.map((r) => r.applyServerSideEncryptionByDefault.sseAlgorithm)).toEqual(["AES256"]);
    // Compare-and-swap uses ETags: no versions to keep.
    expect(ofBucket(TYPES.versioning)).toEqual([]);
  });

  it("exports the policy the deploy role needs: the prefix's objects and listing that prefix, nothing more", () => {
    const policy = JSON.parse(rendered.outputs.rolloutStoreAccessPolicy as string);
    const arn = `arn:aws:s3:::${STAGING_BUCKET}`;
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: `${arn}/${PREFIX}*`,
      }),
      expect.objectContaining({
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: arn,
        Condition: { StringLike: { "s3:prefix": [`${PREFIX}*`] } },
      }),
    ]);
  });
});

describe("the store's bucket and the stage", () => {
  it("a store region other than the stage's is refused naming the key", () => {
    expect(configIssues(() => checkAwsStage(storeWith({ region: "us-east-1" })))).toEqual([
      expect.objectContaining({ path: "rollout.store.region" }),
    ]);
    expect(() => checkAwsStage(storeWith({ region: "ap-northeast-2" }))).not.toThrow();
  });

  it("an empty prefix gives the whole bucket, still only its objects and listing", () => {
    const policy = storeAccessPolicy("arn:aws:s3:::b", "") as { Statement: { Resource: string }[] };
    expect(policy.Statement.map((s) => s.Resource)).toEqual(["arn:aws:s3:::b/*", "arn:aws:s3:::b"]);
  });
});
