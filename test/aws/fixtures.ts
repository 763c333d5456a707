import type { MockResourceArgs } from "@pulumi/pulumi/runtime";
import { ConfigError, parseStageConfig, readStageFile, type StageConfig } from "../../src/config";
import { mockOutputs } from "../../src/synth/mock-outputs";
import type { DeclaredResource, RenderedStage } from "../../src/synth/render";

export const TYPES = {
  provider: "pulumi:providers:aws",
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  natGateway: "aws:ec2/natGateway:NatGateway",
  routeTable: "aws:ec2/routeTable:RouteTable",
  routeTableAssociation: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  flowLog: "aws:ec2/flowLog:FlowLog",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  defaultSecurityGroup: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  ecsCluster: "aws:ecs/cluster:Cluster",
  ecsService: "aws:ecs/service:Service",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  docdbCluster: "aws:docdb/cluster:Cluster",
  docdbInstance: "aws:docdb/clusterInstance:ClusterInstance",
  docdbParameters: "aws:docdb/clusterParameterGroup:ClusterParameterGroup",
  redis: "aws:elasticache/replicationGroup:ReplicationGroup",
  bucket: "aws:s3/bucket:Bucket",
  bucketEncryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  ecr: "aws:ecr/repository:Repository",
  kmsKey: "aws:kms/key:Key",
  secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
  topic: "aws:sns/topic:Topic",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  randomPassword: "random:index/randomPassword:RandomPassword",
} as const;

type Raw = Record<string, unknown>;

/** The committed staging file's `ion-deploy:*` keys. */
export function stagingRaw(): Raw {
  return readStageFile("staging").raw;
}

/** The committed staging stage with top-level keys replaced and `aws` keys merged (one level deep). */
export function stagingWith(overrides: Raw = {}, aws: Raw = {}): StageConfig {
  const raw = stagingRaw();
  const base = raw.aws as Raw;
  const merged: Raw = { ...base };
  for (const [key, value] of Object.entries(aws)) {
    const current = base[key];
    merged[key] = isRecord(current) && isRecord(value) ? { ...current, ...value } : value;
  }
  return parseStageConfig("staging", { ...raw, ...overrides, aws: merged });
}

function isRecord(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function ofType(rendered: RenderedStage, type: string): DeclaredResource[] {
  return rendered.resources.filter((resource) => resource.type === type);
}

export function one(rendered: RenderedStage, type: string, name?: string): DeclaredResource {
  const found = ofType(rendered, type).filter((resource) => name === undefined || resource.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} ${name ?? ""}, found ${found.length}`);
  return found[0] as DeclaredResource;
}

/** Mocked resources get the id `<name>-id` (src/synth/render.ts): the way back from a reference. */
export function byId(rendered: RenderedStage, id: unknown, type?: string): DeclaredResource {
  const found = rendered.resources.filter(
    (resource) =>
      resource.custom && `${resource.name}-id` === id && (type === undefined || resource.type === type),
  );
  if (found.length !== 1)
    throw new Error(`expected one resource with id ${String(id)}, found ${found.length}`);
  return found[0] as DeclaredResource;
}

// biome-ignore lint/suspicious/noExplicitAny: rendered inputs are untyped JSON; tests index into them
export type Json = any;

export function inputs(resource: DeclaredResource): Json {
  return resource.inputs;
}

/** The ARN a resource gets under the mocks, to follow an ARN back to what it names. */
export function mockArn(resource: DeclaredResource): string {
  return mockOutputs({
    type: resource.type,
    name: resource.name,
    inputs: resource.inputs,
  } as MockResourceArgs).arn as string;
}

export function byArn(rendered: RenderedStage, arn: unknown, type: string): DeclaredResource {
  const found = ofType(rendered, type).filter((resource) => mockArn(resource) === arn);
  if (found.length !== 1)
    throw new Error(`expected one ${type} with ARN ${String(arn)}, found ${found.length}`);
  return found[0] as DeclaredResource;
}

/** The ConfigError issues of a thunk that must throw one, as `path: message` lines. */
export function configIssues(thunk: () => unknown): { path: string; message: string }[] {
  try {
    thunk();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error("expected a ConfigError, nothing was thrown");
}

export function defined<T>(value: T | undefined | null, what = "value"): T {
  if (value === undefined || value === null) throw new Error(`${what} is missing`);
  return value;
}
