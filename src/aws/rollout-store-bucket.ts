import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StageConfig } from "../config";
import { PrivateBucket } from "./private-bucket";

export interface RolloutStoreBucketArgs {
  /** The validated stage config: `rollout.store` (kind `s3`) names the bucket and the prefix. */
  config: StageConfig;
}

/** The S3 actions the runner uses on the store (src/rollout/store/backends/s3.ts), per resource. */
export const STORE_OBJECT_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] as const;
export const STORE_LIST_ACTION = "s3:ListBucket";

/**
 * The identity policy a runner's role needs on the store: objects under the prefix only, and
 * listing limited to that prefix. Without s3:ListBucket S3 answers a missing key 403 instead of
 * 404, which the store cannot tell from a refusal.
 */
export function storeAccessPolicy(bucketArn: string, prefix: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "RolloutRecords",
        Effect: "Allow",
        Action: [...STORE_OBJECT_ACTIONS],
        Resource: `${bucketArn}/${prefix}*`,
      },
      {
        Sid: "ListRolloutRecords",
        Effect: "Allow",
        Action: STORE_LIST_ACTION,
        Resource: bucketArn,
        Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } },
      },
    ],
  };
}

/**
 * The S3 bucket holding a stage's rollout records (state, journal, operator requests, lease),
 * named exactly as `rollout.store.bucket`: a PrivateBucket (SSE-S3, every public access block,
 * ACLs disabled, TLS only), unversioned (the store's compare-and-swap uses ETags), kept when the
 * stack is deleted. The stack does not manage the deploy role, so it exports the policy that role
 * needs (`accessPolicy`) instead of attaching it.
 */
export class RolloutStoreBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly accessPolicy: pulumi.Output<string>;

  constructor(name: string, args: RolloutStoreBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:aws:RolloutStoreBucket", name, {}, opts);
    const cfg = args.config;
    const store = cfg.rollout.store;
    if (store.kind !== "s3")
      throw new Error(`RolloutStoreBucket needs rollout.store.kind s3; stage ${cfg.stage} has ${store.kind}`);
    this.bucket = new PrivateBucket(
      name,
      { bucketName: store.bucket, encryption: "AES256", retainOnDelete: true },
      { parent: this },
    ).bucket;
    this.accessPolicy = this.bucket.arn.apply((arn) => JSON.stringify(storeAccessPolicy(arn, store.prefix)));
    this.registerOutputs({ bucketName: this.bucket.bucket, accessPolicy: this.accessPolicy });
  }
}
