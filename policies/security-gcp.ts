import type { PolicyResource } from "@pulumi/policy";
import { NoSettingsSchema } from "./config";
import { type IonPolicy, ofType, stackPolicy } from "./define";
import { list, record, records, text } from "./readers/props";
import { TYPES } from "./types";

/** GCP security policies. */

/** The label the GCP stack sets from `gcp.public` (src/gcp/labels.ts PUBLIC_LABEL). */
export const PUBLIC_LABEL = "ion-public";
const PUBLIC_MEMBERS = ["allUsers", "allAuthenticatedUsers"];
const INVOKER_ROLE = "roles/run.invoker";

interface Grant {
  resource: PolicyResource;
  service: string;
  role: string;
  members: string[];
}

/** Role grants on Cloud Run services, from member, binding and whole-policy resources. */
function grants(resources: PolicyResource[]): Grant[] {
  const found: Grant[] = [];
  for (const resource of ofType(resources, TYPES.cloudRunIamMember)) {
    found.push({
      resource,
      service: text(resource.props.name) ?? "",
      role: text(resource.props.role) ?? "",
      members: [text(resource.props.member) ?? ""],
    });
  }
  for (const resource of ofType(resources, TYPES.cloudRunIamBinding)) {
    found.push({
      resource,
      service: text(resource.props.name) ?? "",
      role: text(resource.props.role) ?? "",
      members: list(resource.props.members).map(String),
    });
  }
  for (const resource of ofType(resources, TYPES.cloudRunIamPolicy)) {
    let policy: unknown;
    try {
      policy = JSON.parse(text(resource.props.policyData) ?? "{}");
    } catch {
      policy = {};
    }
    for (const binding of records(record(policy).bindings)) {
      found.push({
        resource,
        service: text(resource.props.name) ?? "",
        role: text(binding.role) ?? "",
        members: list(binding.members).map(String),
      });
    }
  }
  return found;
}

/** Service names match whether the grant names the service or its full resource path. */
function sameService(service: PolicyResource, reference: string): boolean {
  const name = text(service.props.name);
  return name !== undefined && (reference === name || reference.endsWith(`/services/${name}`));
}

export const cloudRunInvokerPublicOnlyIfDeclared = stackPolicy(
  {
    name: "cloud-run-invoker-public-only-if-declared",
    description:
      "No Cloud Run service grants a role to allUsers or allAuthenticatedUsers, except roles/run.invoker on a service the stage declares public (label ion-public=true, set from ion-deploy:gcp.public).",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
      "Set ion-deploy:gcp.public: false and list the callers in ion-deploy:gcp.invokers, or declare the service public with ion-deploy:gcp.public: true.",
    settings: NoSettingsSchema,
  },
  (resources, _settings, report, args) => {
    const all = grants(resources);
    if (all.length === 0) args.notApplicable("the stack grants no role on a Cloud Run service");
    const services = ofType(resources, TYPES.cloudRunService);
    for (const grant of all) {
      const publicMembers = grant.members.filter((member) => PUBLIC_MEMBERS.includes(member));
      if (publicMembers.length === 0) continue;
      const service = services.find((candidate) => sameService(candidate, grant.service));
      const declaredPublic = service && text(record(service.props.labels)[PUBLIC_LABEL]) === "true";
      if (grant.role === INVOKER_ROLE && declaredPublic) continue;
      const why =
        grant.role !== INVOKER_ROLE
          ? `grants ${grant.role} (not just roles/run.invoker) to ${publicMembers.join(", ")}`
          : service
            ? `lets ${publicMembers.join(", ")} invoke service ${grant.service}, which is not declared public (label ${PUBLIC_LABEL} is not "true")`
            : `lets ${publicMembers.join(", ")} invoke service ${grant.service}, which this stack does not declare, so nothing says it is meant to be public`;
      report(
        `${why}: anyone on the internet can call it. Fix: set ion-deploy:gcp.public: false and list the callers in ion-deploy:gcp.invokers, or, if the service really is public, set ion-deploy:gcp.public: true (the stack labels it ${PUBLIC_LABEL}=true).`,
        grant.resource,
      );
    }
  },
);

/** Why a GCS bucket could be reached by anyone, or undefined when it cannot. */
function publicBucketProblem(bucket: PolicyResource): string | undefined {
  if (bucket.props.uniformBucketLevelAccess !== true)
    return "does not set uniformBucketLevelAccess: true, so object ACLs could make objects public";
  if (text(bucket.props.publicAccessPrevention) !== "enforced")
    return 'does not set publicAccessPrevention: "enforced", so an IAM grant could make it public';
  return undefined;
}

export const gcsBucketsPrivate = stackPolicy(
  {
    name: "gcs-buckets-private",
    description:
      "Every Cloud Storage bucket uses uniform bucket-level access with public access prevention enforced, and no bucket IAM member or binding names allUsers or allAuthenticatedUsers.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      'Set uniformBucketLevelAccess: true and publicAccessPrevention: "enforced" on the gcp.storage.Bucket, and grant roles on it to named principals only.',
    settings: NoSettingsSchema,
  },
  (resources, _settings, report, args) => {
    const buckets = ofType(resources, TYPES.gcsBucket);
    const grantResources = ofType(resources, TYPES.gcsBucketGrants);
    if (buckets.length === 0 && grantResources.length === 0)
      args.notApplicable("the stack declares no Cloud Storage bucket");
    for (const bucket of buckets) {
      const problem = publicBucketProblem(bucket);
      if (problem)
        report(
          `bucket ${text(bucket.props.name) ?? bucket.name} ${problem}. Fix: ${gcsBucketsPrivate.remediationSteps}`,
          bucket,
        );
    }
    for (const grant of grantResources) {
      const members = [text(grant.props.member), ...list(grant.props.members).map(String)];
      const open = members.filter((member) => member !== undefined && PUBLIC_MEMBERS.includes(member));
      if (open.length > 0)
        report(
          `grants ${text(grant.props.role) ?? "a role"} on bucket ${text(grant.props.bucket) ?? "?"} to ${open.join(", ")}: anyone could reach its objects. Fix: grant it to named principals only.`,
          grant,
        );
    }
  },
);

export const gcpSecurityPolicies: IonPolicy[] = [cloudRunInvokerPublicOnlyIfDeclared, gcsBucketsPrivate];
