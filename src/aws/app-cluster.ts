import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StageConfig } from "../config";
import { ecrRepositoryArn } from "./ecr-images";
import { awsSettings } from "./settings";

export interface AppClusterArgs {
  /** Reads `aws.ecs` (container insights, log retention) and the release images. */
  config: StageConfig;
  /** The stage's repository; release images in other ECR repositories are allowed too. */
  repositoryArn: pulumi.Input<string>;
  /** Secrets the tasks read at start, and the key they are encrypted with. */
  secretArns: pulumi.Input<string>[];
  kmsKeyArn: pulumi.Input<string>;
  /** The file storage bucket the app reads and writes. */
  filesBucketArn: pulumi.Input<string>;
}

const assumedByTasks = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
});

/**
 * What both releases' services share: the Fargate cluster, the log group, and two least-privilege
 * roles. The execution role pulls the release images, writes the log group and reads the app's
 * secrets; the task role (the app's own AWS identity) reaches only the file storage bucket.
 */
export class AppCluster extends pulumi.ComponentResource {
  readonly cluster: aws.ecs.Cluster;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly executionRole: aws.iam.Role;
  readonly taskRole: aws.iam.Role;

  constructor(name: string, args: AppClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:aws:AppCluster", name, {}, opts);
    const cfg = args.config;
    const settings = awsSettings(cfg).ecs;
    const child = { parent: this };

    this.cluster = new aws.ecs.Cluster(
      name,
      {
        settings: [{ name: "containerInsights", value: settings.containerInsights ? "enabled" : "disabled" }],
      },
      child,
    );
    this.logGroup = new aws.cloudwatch.LogGroup(
      name,
      { name: `/ion-deploy/${cfg.stage}/${cfg.service.name}`, retentionInDays: settings.logRetentionDays },
      child,
    );

    const imageRepositories = [
      ...new Set(
        [cfg.releases.stable.image, cfg.releases.canary.image]
          .map(ecrRepositoryArn)
          .filter((arn): arn is string => arn !== undefined),
      ),
    ];
    this.executionRole = new aws.iam.Role(`${name}-execution`, { assumeRolePolicy: assumedByTasks }, child);
    new aws.iam.RolePolicy(
      `${name}-execution`,
      {
        role: this.executionRole.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            // The registry login has no resource to scope to.
            { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            {
              Sid: "PullReleaseImages",
              Effect: "Allow",
              Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
              Resource: [args.repositoryArn, ...imageRepositories],
            },
            {
              Sid: "WriteAppLogs",
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
              Resource: pulumi.interpolate`${this.logGroup.arn}:*`,
            },
            {
              Sid: "ReadAppSecrets",
              Effect: "Allow",
              Action: "secretsmanager:GetSecretValue",
              Resource: args.secretArns,
            },
            { Sid: "DecryptAppSecrets", Effect: "Allow", Action: "kms:Decrypt", Resource: args.kmsKeyArn },
          ],
        }),
      },
      child,
    );

    this.taskRole = new aws.iam.Role(`${name}-task`, { assumeRolePolicy: assumedByTasks }, child);
    new aws.iam.RolePolicy(
      `${name}-task`,
      {
        role: this.taskRole.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            { Sid: "ListFiles", Effect: "Allow", Action: "s3:ListBucket", Resource: args.filesBucketArn },
            {
              Sid: "ReadWriteFiles",
              Effect: "Allow",
              Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
              Resource: pulumi.interpolate`${args.filesBucketArn}/*`,
            },
          ],
        }),
      },
      child,
    );
    this.registerOutputs({ clusterName: this.cluster.name, logGroupName: this.logGroup.name });
  }
}
