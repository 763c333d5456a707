import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { inProcess, ROOT, spawned, useInProcessCli } from "../support/ion-deploy";

useInProcessCli();

/** Pulumi.staging.yaml with its `ion-deploy:aws` block changed, written to a temp file. */
function stagingVariant(change: (aws: Record<string, Record<string, unknown>>) => void): string {
  const document = parse(readFileSync(join(ROOT, "Pulumi.staging.yaml"), "utf8"));
  change(document.config["ion-deploy:aws"]);
  const file = join(mkdtempSync(join(tmpdir(), "ion-synth-aws-")), "Pulumi.staging.yaml");
  writeFileSync(file, stringify(document));
  return file;
}

describe("ion-deploy synth staging", () => {
  it("--json lists every resource of the staging stack; credentials are redacted (the real bin)", async () => {
    const { status, stdout, stderr } = await spawned("synth", "staging", "--json");
    expect(status, stderr).toBe(0);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({ stage: "staging", platform: "aws" });
    const count = (type: string) => json.resources.filter((r: { type: string }) => r.type === type).length;
    expect({
      vpc: count("aws:ec2/vpc:Vpc"),
      subnets: count("aws:ec2/subnet:Subnet"),
      nats: count("aws:ec2/natGateway:NatGateway"),
      flowLogs: count("aws:ec2/flowLog:FlowLog"),
      securityGroups: count("aws:ec2/securityGroup:SecurityGroup"),
      alb: count("aws:lb/loadBalancer:LoadBalancer"),
      listeners: count("aws:lb/listener:Listener"),
      targetGroups: count("aws:lb/targetGroup:TargetGroup"),
      ecsClusters: count("aws:ecs/cluster:Cluster"),
      ecsServices: count("aws:ecs/service:Service"),
      docdbClusters: count("aws:docdb/cluster:Cluster"),
      docdbInstances: count("aws:docdb/clusterInstance:ClusterInstance"),
      redis: count("aws:elasticache/replicationGroup:ReplicationGroup"),
      buckets: count("aws:s3/bucket:Bucket"),
      ecr: count("aws:ecr/repository:Repository"),
      topics: count("aws:sns/topic:Topic"),
      alarms: count("aws:cloudwatch/metricAlarm:MetricAlarm"),
    }).toEqual({
      vpc: 1,
      subnets: 4,
      nats: 2,
      flowLogs: 1,
      securityGroups: 5,
      alb: 1,
      listeners: 3,
      targetGroups: 2,
      ecsClusters: 1,
      ecsServices: 2,
      docdbClusters: 1,
      docdbInstances: 3,
      redis: 1,
      // files, ALB logs, and the rollout store (rollout.store kind s3).
      buckets: 3,
      ecr: 1,
      topics: 1,
      alarms: 11,
    });
    // No credential is a stack output; the secrets' ARNs are.
    expect(json.outputs.docdbMasterPassword).toBeUndefined();
    expect(json.outputs.redisAuthToken).toBeUndefined();
    expect(Object.keys(json.outputs.appSecretArns).sort()).toEqual(["MONGO_URL", "REDIS_AUTH_TOKEN"]);
    expect(stdout).not.toContain("synth-placeholder");
  });

  it("an invalid staging file exits 1 naming each bad key", async () => {
    const file = stagingVariant((aws) => {
      aws.vpc = { ...aws.vpc, privateSubnets: ["10.1.10.0/24", "10.1.2.0/25"] };
      aws.documentDb = { ...aws.documentDb, instances: 1 };
    });
    const { status, stderr } = await inProcess("synth", "staging", "--config", file);
    expect(status).toBe(1);
    expect(stderr).toContain("ion-deploy:aws.vpc.privateSubnets.1");
    expect(stderr).toContain("ion-deploy:aws.documentDb.instances");
  });
});
