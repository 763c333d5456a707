import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StageConfig } from "../config";
import { awsSettings } from "./settings";
import { DOCUMENTDB_PORT } from "./traffic-rules";

export interface DocumentDbArgs {
  /** Reads `aws.documentDb`: instances, class, engine, backups, deletion protection. */
  config: StageConfig;
  /** Private subnets, one per zone: instances spread across them. */
  subnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  masterPassword: pulumi.Input<string>;
}

/** `5.0.0` → `docdb5.0`, the parameter group family of an engine version. */
export function documentDbFamily(engineVersion: string): string {
  const [major, minor] = engineVersion.split(".");
  return `docdb${major}.${minor}`;
}

/**
 * The MongoDB-compatible cluster (the staging runbook: 3 × db.t3.medium): storage encrypted with the stage key,
 * TLS required by its cluster parameter group, audit and profiler logs exported to CloudWatch,
 * backups retained, deletion protected unless the config says otherwise.
 */
export class DocumentDb extends pulumi.ComponentResource {
  readonly cluster: aws.docdb.Cluster;
  readonly instances: aws.docdb.ClusterInstance[];

  constructor(name: string, args: DocumentDbArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:aws:DocumentDb", name, {}, opts);
    const settings = awsSettings(args.config).documentDb;
    const child = { parent: this };

    const subnets = new aws.docdb.SubnetGroup(name, { subnetIds: args.subnetIds }, child);
    const parameters = new aws.docdb.ClusterParameterGroup(
      name,
      {
        family: documentDbFamily(settings.engineVersion),
        description: `ion-deploy ${args.config.stage}: TLS required, audit and profiler logs on`,
        parameters: [
          { name: "tls", value: "enabled" },
          { name: "audit_logs", value: "enabled" },
          { name: "profiler", value: "enabled" },
        ],
      },
      child,
    );
    this.cluster = new aws.docdb.Cluster(
      name,
      {
        engine: "docdb",
        engineVersion: settings.engineVersion,
        port: DOCUMENTDB_PORT,
        masterUsername: settings.masterUsername,
        masterPassword: args.masterPassword,
        dbSubnetGroupName: subnets.name,
        vpcSecurityGroupIds: [args.securityGroupId],
        dbClusterParameterGroupName: parameters.name,
        storageEncrypted: true,
        kmsKeyId: args.kmsKeyArn,
        backupRetentionPeriod: settings.backupRetentionDays,
        preferredBackupWindow: settings.preferredBackupWindow,
        deletionProtection: settings.deletionProtection,
        skipFinalSnapshot: !settings.finalSnapshot,
        finalSnapshotIdentifier: settings.finalSnapshot ? `${name}-final` : undefined,
        enabledCloudwatchLogsExports: ["audit", "profiler"],
      },
      // Losing the cluster loses the data: `pulumi destroy` needs `pulumi state unprotect` first.
      { ...child, protect: true },
    );
    this.instances = Array.from(
      { length: settings.instances },
      (_, index) =>
        new aws.docdb.ClusterInstance(
          `${name}-${index + 1}`,
          {
            clusterIdentifier: this.cluster.id,
            instanceClass: settings.instanceClass,
            engine: "docdb",
            autoMinorVersionUpgrade: true,
          },
          child,
        ),
    );
    this.registerOutputs({ endpoint: this.cluster.endpoint, readerEndpoint: this.cluster.readerEndpoint });
  }
}
