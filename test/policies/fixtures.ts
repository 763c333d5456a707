import { type PolicyRun, type PolicyViolation, runPolicies } from "../../policies/harness";
import type { PolicyPackConfig } from "../../policies/pack-config";
import { parseStageConfig, readStageFile, type StageConfig } from "../../src/config";
import { type DeclaredResource, type RenderedStage, renderStage } from "../../src/synth/render";

type Raw = Record<string, unknown>;

/** A committed stage file with top-level `ion-deploy:*` keys replaced (objects merge one level deep). */
export function stageWith(stage: "prod" | "staging", overrides: Raw = {}): StageConfig {
  const raw = readStageFile(stage).raw;
  const merged: Raw = { ...raw };
  for (const [key, value] of Object.entries(overrides)) {
    const base = raw[key];
    merged[key] =
      typeof value === "object" && value !== null && !Array.isArray(value) && typeof base === "object"
        ? { ...(base as Raw), ...(value as Raw) }
        : value;
  }
  return parseStageConfig(stage, merged);
}

const committed = new Map<string, Promise<RenderedStage>>();

/** The committed stage, rendered once per test file. */
export function renderCommitted(stage: "prod" | "staging"): Promise<RenderedStage> {
  let rendered = committed.get(stage);
  if (!rendered) {
    rendered = renderStage(stageWith(stage));
    committed.set(stage, rendered);
  }
  return rendered;
}

export function render(config: StageConfig): Promise<RenderedStage> {
  return renderStage(config);
}

/** A copy of a rendered stage in which the named resource's inputs are changed by `edit`. */
export function editResource(
  rendered: RenderedStage,
  type: string,
  name: string,
  edit: (inputs: Raw) => void,
): RenderedStage {
  let found = 0;
  const resources = rendered.resources.map((resource) => {
    if (resource.type !== type || resource.name !== name) return resource;
    found++;
    const inputs = structuredClone(resource.inputs);
    edit(inputs);
    return { ...resource, inputs };
  });
  if (found !== 1) throw new Error(`expected one ${type} "${name}", found ${found}`);
  return { ...rendered, resources };
}

/** A copy without the resources the predicate picks (at least one must match). */
export function withoutResources(
  rendered: RenderedStage,
  drop: (resource: DeclaredResource) => boolean,
): RenderedStage {
  const resources = rendered.resources.filter((resource) => !drop(resource));
  if (resources.length === rendered.resources.length) throw new Error("nothing matched to remove");
  return { ...rendered, resources };
}

/** A copy with extra resources, declared as the stack's children. */
export function withResources(rendered: RenderedStage, ...extra: DeclaredResource[]): RenderedStage {
  return { ...rendered, resources: [...rendered.resources, ...extra] };
}

export function check(rendered: RenderedStage, config: PolicyPackConfig = {}): Promise<PolicyRun> {
  return runPolicies(rendered, { config });
}

export function violationsOf(run: PolicyRun, policy: string): PolicyViolation[] {
  return run.violations.filter((violation) => violation.policy === policy);
}

export function outcomeOf(run: PolicyRun, policy: string): string | undefined {
  return run.outcomes.find((outcome) => outcome.policy === policy)?.status;
}

export const TYPES = {
  service: "gcp:cloudrunv2/service:Service",
  invoker: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
  urlMap: "gcp:compute/uRLMap:URLMap",
  alertPolicy: "gcp:monitoring/alertPolicy:AlertPolicy",
  prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
  globalRules: "kubernetes:monitoring.googleapis.com/v1:GlobalRules",
  gmpRules: "kubernetes:monitoring.googleapis.com/v1:Rules",
  gmpClusterRules: "kubernetes:monitoring.googleapis.com/v1:ClusterRules",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  listener: "aws:lb/listener:Listener",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  docdb: "aws:docdb/cluster:Cluster",
  docdbParameters: "aws:docdb/clusterParameterGroup:ClusterParameterGroup",
  redis: "aws:elasticache/replicationGroup:ReplicationGroup",
  bucket: "aws:s3/bucket:Bucket",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  bucketEncryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  ecr: "aws:ecr/repository:Repository",
} as const;

/** A hand-built declared resource (for shapes the stacks do not declare). */
export function declared(type: string, name: string, inputs: Raw): DeclaredResource {
  return { type, name, custom: true, inputs, secretPaths: [] };
}
