import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { StageConfig } from "../config";
import { gcpSettings } from "../config/gcp-settings";
import { STAGE_LABEL } from "../config/stage-labels";

/**
 * The role the runner's identities get on the store's bucket: get, create, list and delete
 * objects (a conditional replace needs create and delete), and nothing on the bucket itself or
 * its IAM policy (docs/cloud-edges.md "The rollout store's bucket" quotes the role's permissions).
 */
export const STORE_OBJECT_ROLE = "roles/storage.objectUser";

export interface RolloutStoreBucketArgs {
  /** The validated stage config: `rollout.store` (kind `gcs`) names the bucket, `gcp.deployers` who may use it. */
  config: StageConfig;
}

/**
 * The GCS bucket holding a stage's rollout records (state, journal, operator requests, lease),
 * named exactly as `rollout.store.bucket`: uniform bucket-level access (IAM only, no object
 * ACLs), public access prevention enforced, no versioning (the store's compare-and-swap uses
 * generations, which every write changes anyway). Each of `gcp.deployers` (the CI's deploy
 * service account, operators) may read and write its objects; nobody else is granted anything.
 */
export class RolloutStoreBucket extends pulumi.ComponentResource {
  readonly bucket: gcp.storage.Bucket;
  readonly grants: gcp.storage.BucketIAMMember[];

  constructor(name: string, args: RolloutStoreBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:gcp:RolloutStoreBucket", name, {}, opts);
    const cfg = args.config;
    const store = cfg.rollout.store;
    if (store.kind !== "gcs")
      throw new Error(
        `RolloutStoreBucket needs rollout.store.kind gcs; stage ${cfg.stage} has ${store.kind}`,
      );
    const settings = gcpSettings(cfg);
    this.bucket = new gcp.storage.Bucket(
      name,
      {
        name: store.bucket,
        project: settings.project,
        location: settings.region.toUpperCase(),
        uniformBucketLevelAccess: true,
        publicAccessPrevention: "enforced",
        forceDestroy: false,
        labels: { [STAGE_LABEL]: cfg.stage },
      },
      // A deleted stack leaves the rollout history in place.
      { parent: this, retainOnDelete: true },
    );
    this.grants = settings.deployers.map(
      (member, i) =>
        new gcp.storage.BucketIAMMember(
          `${name}-object-user-${i}`,
          { bucket: this.bucket.name, role: STORE_OBJECT_ROLE, member },
          { parent: this },
        ),
    );
    this.registerOutputs({ bucketName: this.bucket.name });
  }
}
