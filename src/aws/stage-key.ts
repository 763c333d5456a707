import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StageConfig } from "../config";
import { awsSettings } from "./settings";

export interface StageKeyArgs {
  /** Reads `aws.kms.deletionWindowDays`. */
  config: StageConfig;
}

/**
 * The stage's customer-managed KMS key (rotated yearly) for data at rest: DocumentDB, Redis, the
 * app's secrets, the alarm topic. Its policy leaves access to IAM in the account and lets CloudWatch
 * alarms publish to the encrypted SNS topic.
 */
export class StageKey extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;

  constructor(name: string, args: StageKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:aws:StageKey", name, {}, opts);
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    this.key = new aws.kms.Key(
      name,
      {
        description: `ion-deploy ${args.config.stage}: data at rest`,
        enableKeyRotation: true,
        deletionWindowInDays: awsSettings(args.config).kms.deletionWindowDays,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AccountIam",
              Effect: "Allow",
              Principal: { AWS: pulumi.interpolate`arn:aws:iam::${account}:root` },
              Action: "kms:*",
              Resource: "*",
            },
            {
              Sid: "CloudWatchAlarmsToEncryptedTopic",
              Effect: "Allow",
              Principal: { Service: "cloudwatch.amazonaws.com" },
              Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
              Resource: "*",
            },
          ],
        }),
      },
      // Every encrypted store of the stage depends on it; a deleted key cannot be recovered after its window.
      { parent: this, protect: true },
    );
    new aws.kms.Alias(
      name,
      { name: `alias/ion-deploy-${args.config.stage}`, targetKeyId: this.key.keyId },
      { parent: this },
    );
    this.registerOutputs({ keyArn: this.key.arn });
  }
}
