import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface PrivateBucketArgs {
  /** The bucket's exact name; default a name Pulumi derives from the resource name. */
  bucketName?: string;
  /** `AES256` (S3-managed keys) or the ARN of a KMS key (SSE-KMS). */
  encryption: "AES256" | { kmsKeyArn: pulumi.Input<string> };
  /** Keep old versions of overwritten objects, expiring them after this many days. */
  noncurrentVersionExpirationDays?: number;
  /** Expire objects after this many days (logs). */
  expireAfterDays?: number;
  forceDestroy?: boolean;
  /** Leave the bucket (and its objects) in place when Pulumi deletes it. */
  retainOnDelete?: boolean;
  /** Extra bucket policy statements (who else may write), given the bucket's ARN. */
  extraStatements?: (bucketArn: pulumi.Output<string>) => Record<string, unknown>[];
}

/**
 * An S3 bucket nobody reaches by accident: server-side encryption, every public access block on,
 * ACLs disabled (bucket owner owns all objects), and a policy refusing plain-HTTP requests.
 */
export class PrivateBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;

  constructor(name: string, args: PrivateBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:aws:PrivateBucket", name, {}, opts);
    const child = { parent: this };
    this.bucket = new aws.s3.Bucket(
      name,
      {
        forceDestroy: args.forceDestroy ?? false,
        ...(args.bucketName === undefined ? {} : { bucket: args.bucketName }),
      },
      { ...child, retainOnDelete: args.retainOnDelete ?? false },
    );
    const bucket = this.bucket.id;

    new aws.s3.BucketServerSideEncryptionConfiguration(
      name,
      {
        bucket,
        rules: [
          {
            applyServerSideEncryptionByDefault:
              args.encryption === "AES256"
                ? { sseAlgorithm: "AES256" }
                : { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.encryption.kmsKeyArn },
            bucketKeyEnabled: args.encryption !== "AES256",
          },
        ],
      },
      child,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      name,
      {
        bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      child,
    );
    new aws.s3.BucketOwnershipControls(
      name,
      { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
      child,
    );
    if (args.noncurrentVersionExpirationDays !== undefined) {
      new aws.s3.BucketVersioning(name, { bucket, versioningConfiguration: { status: "Enabled" } }, child);
    }
    const rules: aws.types.input.s3.BucketLifecycleConfigurationRule[] = [
      {
        id: "abort-incomplete-uploads",
        status: "Enabled",
        filter: {},
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ];
    if (args.noncurrentVersionExpirationDays !== undefined) {
      rules.push({
        id: "expire-noncurrent-versions",
        status: "Enabled",
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionExpirationDays },
      });
    }
    if (args.expireAfterDays !== undefined) {
      rules.push({
        id: "expire-objects",
        status: "Enabled",
        filter: {},
        expiration: { days: args.expireAfterDays },
      });
    }
    new aws.s3.BucketLifecycleConfiguration(name, { bucket, rules }, child);

    const bucketArn = this.bucket.arn;
    new aws.s3.BucketPolicy(
      name,
      {
        bucket,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:*",
              Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            ...(args.extraStatements?.(bucketArn) ?? []),
          ],
        }),
      },
      // S3 rejects a policy while the public access block is still being applied.
      { ...child, dependsOn: [publicAccess] },
    );
    this.registerOutputs({ bucketName: bucket, bucketArn });
  }
}
