import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StageConfig } from "../config";
import { awsSettings } from "./settings";
import { REDIS_PORT } from "./traffic-rules";

export interface RedisArgs {
  /** Reads `aws.redis` and `aws.highAvailability`. */
  config: StageConfig;
  subnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  authToken: pulumi.Input<string>;
}

/** `7.1` → `default.redis7`, the default parameter group of an engine version. */
export function redisParameterGroup(engineVersion: string): string {
  return `default.redis${engineVersion.split(".")[0]}`;
}

/**
 * ElastiCache Redis (the staging runbook: 2 × cache.t3.micro): encrypted at rest with the stage key and in
 * transit (TLS required), AUTH token required, a replica with automatic failover across zones.
 */
export class Redis extends pulumi.ComponentResource {
  readonly replicationGroup: aws.elasticache.ReplicationGroup;

  constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:aws:Redis", name, {}, opts);
    const settings = awsSettings(args.config).redis;
    const child = { parent: this };
    const subnets = new aws.elasticache.SubnetGroup(
      name,
      { description: `ion-deploy ${args.config.stage}: private subnets`, subnetIds: args.subnetIds },
      child,
    );
    const failover = settings.nodes >= 2;
    this.replicationGroup = new aws.elasticache.ReplicationGroup(
      name,
      {
        description: `ion-deploy ${args.config.stage}: cache`,
        engine: "redis",
        engineVersion: settings.engineVersion,
        parameterGroupName: redisParameterGroup(settings.engineVersion),
        nodeType: settings.nodeType,
        numCacheClusters: settings.nodes,
        port: REDIS_PORT,
        subnetGroupName: subnets.name,
        securityGroupIds: [args.securityGroupId],
        atRestEncryptionEnabled: true,
        kmsKeyId: args.kmsKeyArn,
        transitEncryptionEnabled: true,
        transitEncryptionMode: "required",
        authToken: args.authToken,
        authTokenUpdateStrategy: settings.authTokenUpdateStrategy,
        automaticFailoverEnabled: failover,
        multiAzEnabled: failover,
        snapshotRetentionLimit: settings.snapshotRetentionDays,
        // Cache contents survive a deletion or replacement as a snapshot.
        finalSnapshotIdentifier: `${name}-final`,
        autoMinorVersionUpgrade: true,
      },
      child,
    );
    this.registerOutputs({ primaryEndpoint: this.replicationGroup.primaryEndpointAddress });
  }
}
