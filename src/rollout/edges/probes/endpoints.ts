import { isAbsolute, resolve } from "node:path";
import type { StageConfig } from "../../../config";
import { haproxyServers, type ServerAddresses } from "./haproxy-servers";
import type { Endpoint, EndpointResolver, GateEndpoints } from "./types";

/**
 * Where each side answers, per platform, read when the gate runs:
 * - local: HAProxy's servers (`show servers state`): the canary app's own port; public = the frontend;
 * - gcp revisions: the stack's `canaryUrl` (the revision tagged `canary`, `https://canary---…run.app`);
 *   stable and public = the service URL (at 0% canary it serves stable alone);
 * - gcp services: `canaryUrl` (the canary service's own URL), stable = the stable service's URL,
 *   public = `https://<gcp.domains[0]>`;
 * - aws: the ALB's test listener `https://<albDnsName>:<aws.alb.testListener.port>` (forwards to the
 *   canary target group only); stable and public = `https://<albDnsName>`.
 * `rollout.preTraffic.endpoints.{canary,stable,public}` override any of them.
 */

export type StackOutputs = Record<string, { value: unknown } | undefined>;
export type ReadOutputs = () => Promise<StackOutputs>;

type Urls = { canary: string; stable: string; public: string };

export function localUrls(cfg: StageConfig, servers: ServerAddresses): Urls {
  const local = cfg.local;
  if (!local) throw new Error(`stage ${cfg.stage} has platform local but no local block`);
  const url = (name: string) => {
    const server = servers[name];
    if (!server) throw new Error(`HAProxy backend ${local.backend} has no server ${name}`);
    return `http://${server.address}:${server.port}`;
  };
  return {
    canary: url(local.canaryServer),
    stable: url(local.stableServer),
    public: `http://127.0.0.1:${local.frontendPort}`,
  };
}

export function gcpUrls(cfg: StageConfig, outputs: StackOutputs): Urls {
  const canary = outputs.canaryUrl?.value;
  const services = (outputs.serviceUrls?.value ?? {}) as Record<string, string>;
  if (typeof canary !== "string" || canary === "") {
    throw new Error(
      `the ${cfg.stage} stack has no canaryUrl output (is the canary revision tagged "canary"?)`,
    );
  }
  if (cfg.gcp?.mode === "services") {
    const stable = services[cfg.releases.stable.name];
    const domain = cfg.gcp.domains[0];
    if (!stable) throw new Error(`the ${cfg.stage} stack's serviceUrls lack ${cfg.releases.stable.name}`);
    return { canary, stable, public: domain ? `https://${domain}` : stable };
  }
  const service = services[cfg.service.name];
  if (!service) throw new Error(`the ${cfg.stage} stack's serviceUrls lack ${cfg.service.name}`);
  return { canary, stable: service, public: service };
}

export function awsUrls(cfg: StageConfig, outputs: StackOutputs): Urls {
  const dns = outputs.albDnsName?.value;
  const test = cfg.aws?.alb.testListener;
  if (typeof dns !== "string" || dns === "")
    throw new Error(`the ${cfg.stage} stack has no albDnsName output`);
  if (!test) {
    throw new Error(
      `stage ${cfg.stage} declares no ALB test listener (ion-deploy:aws.alb.testListener), so the canary has no endpoint of its own; add one or set rollout.preTraffic.endpoints.canary`,
    );
  }
  return { canary: `https://${dns}:${test.port}`, stable: `https://${dns}`, public: `https://${dns}` };
}

const trim = (url: string) => url.replace(/\/+$/, "");

/** Applies the config's overrides, the certificate option (canary only) and the auth headers. */
export function toEndpoints(
  cfg: StageConfig,
  urls: Urls,
  headersFor?: (url: string) => () => Promise<Record<string, string>>,
): GateEndpoints {
  const given = cfg.rollout.preTraffic.endpoints;
  const one = (side: keyof Urls, extra: Partial<Endpoint> = {}): Endpoint => {
    const url = trim(given[side] ?? urls[side]);
    return { url, ...extra, ...(headersFor ? { headers: headersFor(url) } : {}) };
  };
  const selfSigned = cfg.rollout.preTraffic.acceptSelfSignedCanaryCert;
  return {
    canary: one("canary", selfSigned ? { acceptSelfSigned: true } : {}),
    stable: one("stable"),
    public: one("public"),
  };
}

export interface ResolverOptions {
  workDir: string;
  readOutputs: ReadOutputs;
  headersFor?: (url: string) => () => Promise<Record<string, string>>;
}

export function endpointResolver(cfg: StageConfig, options: ResolverOptions): EndpointResolver {
  const given = cfg.rollout.preTraffic.endpoints;
  return async (signal) => {
    let urls: Urls;
    if (given.canary && given.stable && given.public) {
      urls = { canary: given.canary, stable: given.stable, public: given.public };
    } else if (cfg.platform === "local") {
      const local = cfg.local;
      if (!local) throw new Error(`stage ${cfg.stage} has platform local but no local block`);
      const socket = isAbsolute(local.haproxySocket)
        ? local.haproxySocket
        : resolve(options.workDir, local.haproxySocket);
      urls = localUrls(cfg, await haproxyServers(socket, local.backend, signal));
    } else {
      const outputs = await options.readOutputs();
      urls = cfg.platform === "gcp" ? gcpUrls(cfg, outputs) : awsUrls(cfg, outputs);
    }
    return toEndpoints(cfg, urls, options.headersFor);
  };
}
