import { parseStageConfig, readStageFile, type StageConfig } from "../../src/config";
import type { DeclaredResource, RenderedStage } from "../../src/synth/render";

export const TYPES = {
  service: "gcp:cloudrunv2/service:Service",
  invoker: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
  neg: "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup",
  backend: "gcp:compute/backendService:BackendService",
  urlMap: "gcp:compute/uRLMap:URLMap",
  certificate: "gcp:compute/managedSslCertificate:ManagedSslCertificate",
  httpsProxy: "gcp:compute/targetHttpsProxy:TargetHttpsProxy",
  httpProxy: "gcp:compute/targetHttpProxy:TargetHttpProxy",
  address: "gcp:compute/globalAddress:GlobalAddress",
  forwardingRule: "gcp:compute/globalForwardingRule:GlobalForwardingRule",
  channel: "gcp:monitoring/notificationChannel:NotificationChannel",
  alertPolicy: "gcp:monitoring/alertPolicy:AlertPolicy",
  stage: "ion-deploy:gcp:GcpStage",
} as const;

type Raw = Record<string, unknown>;

/** The committed prod stage with some keys replaced (`gcp` fields merge into the prod block). */
export function prodWith(overrides: Raw = {}, gcp: Raw = {}): StageConfig {
  const raw = readStageFile("prod").raw;
  return parseStageConfig("prod", { ...raw, ...overrides, gcp: { ...(raw.gcp as Raw), ...gcp } });
}

/** Prod in mode `services`: blue/green services named as the readiness checklist names them. */
export function servicesWith(overrides: Raw = {}, gcp: Raw = {}): StageConfig {
  return prodWith(
    {
      releases: {
        stable: { image: "registry/ion-api:1.4.0", name: "ion-api" },
        canary: { image: "registry/ion-api:1.5.0", name: "ion-api-canary" },
      },
      ...overrides,
    },
    { mode: "services", ...gcp },
  );
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
export function byId(rendered: RenderedStage, id: unknown): DeclaredResource {
  const found = rendered.resources.filter((resource) => resource.custom && `${resource.name}-id` === id);
  if (found.length !== 1)
    throw new Error(`expected one resource with id ${String(id)}, found ${found.length}`);
  return found[0] as DeclaredResource;
}

export function defined<T>(value: T | undefined, what = "value"): T {
  if (value === undefined) throw new Error(`${what} is missing`);
  return value;
}

// biome-ignore lint/suspicious/noExplicitAny: rendered inputs are untyped JSON; tests index into them
export type Json = any;

export function inputs(resource: DeclaredResource): Json {
  return resource.inputs;
}
