import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { StageConfig } from "../../../config";
import { googleBearerToken } from "../metrics/google-token";
import { abortableSleep } from "../sleep";
import { AlbTraffic } from "./alb-traffic";
import { CloudRunTraffic } from "./cloud-run-traffic";
import type { RolloutStack } from "./pulumi";
import type { OperationPolling, TrafficApi } from "./traffic-api";
import { backendName, UrlMapTraffic } from "./url-map-traffic";

/** Cloud Run and Compute writes need the cloud-platform scope (the read-only monitoring scope is not enough). */
export const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

/** A poll each second for two minutes: a revert that has not landed by then is a failed attempt. */
export const TRAFFIC_API_POLLING: OperationPolling = { intervalMs: 1_000, polls: 120, sleep: abortableSleep };

/**
 * The traffic API of a Pulumi stage's split, found from its config and its stack: the Cloud Run
 * service (mode `revisions`), the URL map with the weighted backends (mode `services`, its name
 * from the stack's state), the ALB listener holding both target groups (AWS, the groups from the
 * stack output `targetGroupArns`). Undefined for a stage without one (local).
 */
export function stackTrafficApi(
  cfg: StageConfig,
  polling: OperationPolling = TRAFFIC_API_POLLING,
): ((stack: RolloutStack) => Promise<TrafficApi>) | undefined {
  if (cfg.platform === "gcp" && cfg.gcp) {
    const { project, region, mode } = cfg.gcp;
    const token = googleBearerToken([CLOUD_PLATFORM_SCOPE]);
    if (mode === "revisions") {
      const service = `projects/${project}/locations/${region}/services/${cfg.service.name}`;
      return async () => new CloudRunTraffic({ service, token, polling });
    }
    return async (stack) => {
      const { name, backends } = await weightedUrlMap(stack);
      return new UrlMapTraffic({ project, urlMap: name, backends, token, polling });
    };
  }
  if (cfg.platform === "aws" && cfg.aws) {
    const region = cfg.aws.region;
    return async (stack) =>
      new AlbTraffic({
        client: new ElasticLoadBalancingV2Client({ region }),
        targetGroups: await targetGroups(stack),
      });
  }
  return undefined;
}

interface StateResource {
  type?: unknown;
  delete?: unknown;
  outputs?: {
    name?: unknown;
    defaultRouteAction?: { weightedBackendServices?: { backendService?: unknown }[] };
  };
}

/**
 * The stack's URL map whose default route carries weighted backends (not the HTTP redirect map):
 * its name, and its backends' names by side in the order the stack declares them (stable, then
 * canary; the canary alone once stable is retired), so the driver finds each side by name.
 */
export async function weightedUrlMap(
  stack: Pick<RolloutStack, "exportStack" | "name">,
): Promise<{ name: string; backends: { stable?: string; canary: string } }> {
  const resources = ((await stack.exportStack()).deployment as { resources?: StateResource[] } | undefined)
    ?.resources;
  const map = (resources ?? []).find(
    (r) =>
      r.type === "gcp:compute/uRLMap:URLMap" &&
      r.delete !== true &&
      (r.outputs?.defaultRouteAction?.weightedBackendServices?.length ?? 0) > 0,
  );
  if (typeof map?.outputs?.name !== "string") {
    throw new Error(
      `stack ${stack.name} has no URL map with weighted backends: run \`pulumi up --stack ${stack.name}\` once`,
    );
  }
  const declared = (map.outputs.defaultRouteAction?.weightedBackendServices ?? []).map((b) =>
    backendName(typeof b.backendService === "string" ? b.backendService : undefined),
  );
  const canary = declared.at(-1) as string;
  return {
    name: map.outputs.name,
    backends: declared.length === 2 ? { stable: declared[0], canary } : { canary },
  };
}

async function targetGroups(
  stack: Pick<RolloutStack, "outputs" | "name">,
): Promise<{ stable: string; canary: string }> {
  const arns = (await stack.outputs()).targetGroupArns?.value as
    | { stable?: unknown; canary?: unknown }
    | undefined;
  if (typeof arns?.stable !== "string" || typeof arns.canary !== "string") {
    throw new Error(
      `stack ${stack.name} has no \`targetGroupArns\` output: run \`pulumi up --stack ${stack.name}\` once`,
    );
  }
  return { stable: arns.stable, canary: arns.canary };
}
