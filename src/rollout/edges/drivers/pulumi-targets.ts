import type { Deployment } from "@pulumi/pulumi/automation";

/**
 * Resource types a rollout step may change: the ones that carry the traffic split, and the ones
 * that carry a release's image so the canary runs what the split sends traffic to. Everything
 * else in the stack (networks, databases, alert policies) is left alone by a step. Type tokens are
 * the SDKs' `__pulumiType` (@pulumi/gcp 9, @pulumi/aws 7).
 */
export const TRAFFIC_RESOURCE_TYPES: readonly string[] = [
  // GCP: the revision split lives on the service; blue/green weights live on the URL map.
  "gcp:cloudrunv2/service:Service",
  "gcp:compute/uRLMap:URLMap",
  // GCP mode services: a retired old side's NEG and backend go with its service (`ion-rollout retire`).
  "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup",
  "gcp:compute/backendService:BackendService",
  // AWS: weighted target groups on the listener's forward action (both module spellings).
  "aws:lb/listener:Listener",
  "aws:alb/listener:Listener",
  // AWS: the green/blue ECS services and their task definitions carry the release images.
  "aws:ecs/service:Service",
  "aws:ecs/taskDefinition:TaskDefinition",
];

interface StateResource {
  urn?: unknown;
  type?: unknown;
  delete?: unknown;
}

/** URNs of the stack's traffic-bearing resources, from `stack.exportStack()`. */
export function trafficTargetUrns(
  exported: Deployment,
  types: readonly string[] = TRAFFIC_RESOURCE_TYPES,
): string[] {
  const resources = (exported.deployment as { resources?: unknown } | undefined)?.resources;
  if (!Array.isArray(resources)) return [];
  const urns = new Set<string>();
  for (const resource of resources as StateResource[]) {
    // `delete: true` marks an old copy awaiting deletion after a replacement: not a target.
    if (resource.delete === true || typeof resource.urn !== "string" || typeof resource.type !== "string")
      continue;
    if (types.includes(resource.type)) urns.add(resource.urn);
  }
  return [...urns].sort();
}
