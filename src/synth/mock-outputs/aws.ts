import type { MockOutputs } from "./type";

const ACCOUNT = "123456789012";
/** A fixed fake hash, so rendered names and endpoints are stable between runs. */
const HASH = "0a1b2c3d4e5f";

function text(value: unknown, fallback: string): string {
  return typeof value === "string" && value.length > 0 ? value : fallback;
}

function region(inputs: Record<string, unknown>): string {
  return text(inputs.region, "mock-region");
}

/** Provider-computed outputs of the AWS resources the staging stage declares. */
export const awsMockOutputs: Record<string, MockOutputs> = {
  "aws:lb/loadBalancer:LoadBalancer": ({ name, inputs }) => ({
    arn: `arn:aws:elasticloadbalancing:${region(inputs)}:${ACCOUNT}:loadbalancer/app/${name}/${HASH}`,
    arnSuffix: `app/${name}/${HASH}`,
    dnsName: `${name}-${HASH}.${region(inputs)}.elb.amazonaws.com`,
    zoneId: "ZWKZPGTI48KDX",
  }),
  "aws:lb/targetGroup:TargetGroup": ({ name, inputs }) => ({
    arn: `arn:aws:elasticloadbalancing:${region(inputs)}:${ACCOUNT}:targetgroup/${name}/${HASH}`,
    arnSuffix: `targetgroup/${name}/${HASH}`,
  }),
  "aws:ecs/cluster:Cluster": ({ name, inputs }) => ({
    arn: `arn:aws:ecs:${region(inputs)}:${ACCOUNT}:cluster/${text(inputs.name, name)}`,
  }),
  "aws:ecs/service:Service": ({ name, inputs }) => ({ name: text(inputs.name, name) }),
  "aws:ecs/taskDefinition:TaskDefinition": ({ inputs }) => ({
    arn: `arn:aws:ecs:${region(inputs)}:${ACCOUNT}:task-definition/${text(inputs.family, "task")}:1`,
    revision: 1,
  }),
  "aws:docdb/cluster:Cluster": ({ name, inputs }) => ({
    endpoint: `${name}.cluster-${HASH}.${region(inputs)}.docdb.amazonaws.com`,
    readerEndpoint: `${name}.cluster-ro-${HASH}.${region(inputs)}.docdb.amazonaws.com`,
    clusterResourceId: `cluster-${HASH}`,
  }),
  "aws:elasticache/replicationGroup:ReplicationGroup": ({ name, inputs }) => ({
    primaryEndpointAddress: `master.${name}.${HASH}.${region(inputs)}.cache.amazonaws.com`,
    readerEndpointAddress: `replica.${name}.${HASH}.${region(inputs)}.cache.amazonaws.com`,
  }),
  "aws:ecr/repository:Repository": ({ name, inputs }) => ({
    repositoryUrl: `${ACCOUNT}.dkr.ecr.${region(inputs)}.amazonaws.com/${text(inputs.name, name)}`,
    registryId: ACCOUNT,
  }),
  // A bucket given its exact name (`bucket`) gets it; otherwise Pulumi's random suffix.
  "aws:s3/bucket:Bucket": ({ name, inputs }) => ({
    bucket: text(inputs.bucket, `${name}-${HASH}`),
    arn: `arn:aws:s3:::${text(inputs.bucket, `${name}-${HASH}`)}`,
  }),
  "aws:kms/key:Key": ({ name }) => ({ keyId: `${name}-key-id` }),
  "aws:cloudwatch/logGroup:LogGroup": ({ name, inputs }) => ({
    arn: `arn:aws:logs:${region(inputs)}:${ACCOUNT}:log-group:${text(inputs.name, name)}`,
  }),
  // The stage's generated credentials (when no secret is configured): a fixed value of the asked length.
  "random:index/randomPassword:RandomPassword": ({ name, inputs }) => ({
    result: `mock-${name}-`.padEnd(typeof inputs.length === "number" ? inputs.length : 16, "x"),
  }),
};
