import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { StageConfig } from "../config";
import { gcpSettings } from "../config/gcp-settings";
import type { Side } from "../signals";
import { urlMapDescription } from "./labels";
import { declaredSides, type TrafficWeights, trafficWeights } from "./traffic";

export interface WeightedLoadBalancerArgs {
  config: StageConfig;
  /** The Cloud Run service behind each declared side of the split (no stable once it is retired). */
  services: Partial<Record<Side, gcp.cloudrunv2.Service>> & { canary: gcp.cloudrunv2.Service };
}

/** One side's backend: a serverless NEG pointing at its Cloud Run service. */
function sideBackend(
  name: string,
  side: Side,
  cfg: StageConfig,
  service: gcp.cloudrunv2.Service,
  parent: pulumi.Resource,
): gcp.compute.BackendService {
  const settings = gcpSettings(cfg);
  const neg = new gcp.compute.RegionNetworkEndpointGroup(
    `${name}-${side}-neg`,
    {
      project: settings.project,
      region: settings.region,
      networkEndpointType: "SERVERLESS",
      cloudRun: { service: service.name },
    },
    { parent },
  );
  return new gcp.compute.BackendService(
    `${name}-${side}-backend`,
    {
      project: settings.project,
      description: `${cfg.releases[side].name} (${side} side of ${cfg.service.name})`,
      loadBalancingScheme: "EXTERNAL_MANAGED",
      backends: [{ group: neg.id }],
    },
    { parent },
  );
}

/**
 * Mode `services`: a global external HTTPS load balancer whose URL map splits traffic between the
 * two services by the configured canary weight, with a managed certificate and HTTP→HTTPS redirect.
 */
export class WeightedLoadBalancer extends pulumi.ComponentResource {
  readonly urlMap: gcp.compute.URLMap;
  readonly address: gcp.compute.GlobalAddress;
  readonly ipAddress: pulumi.Output<string>;
  /** The split the URL map declares, in percent. */
  readonly weights: pulumi.Output<TrafficWeights>;

  constructor(name: string, args: WeightedLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:gcp:WeightedLoadBalancer", name, {}, opts);
    const cfg = args.config;
    const settings = gcpSettings(cfg);
    const project = settings.project;
    const weights = trafficWeights(cfg);
    const sides = declaredSides(cfg);

    const backends = new Map<Side, gcp.compute.BackendService>();
    for (const side of sides) {
      const service = args.services[side];
      if (!service)
        throw new Error(`WeightedLoadBalancer ${name}: no Cloud Run service for the ${side} side`);
      backends.set(side, sideBackend(name, side, cfg, service, this));
    }

    // Weights are percentages, so they sum to 100 and read as the share directly.
    this.urlMap = new gcp.compute.URLMap(
      `${name}-split`,
      {
        project,
        description: urlMapDescription(cfg, `${cfg.service.name} canary split`),
        defaultRouteAction: {
          weightedBackendServices: sides.map((side) => ({
            backendService: (backends.get(side) as gcp.compute.BackendService).id,
            weight: weights[side],
          })),
        },
      },
      { parent: this },
    );
    const certificate = new gcp.compute.ManagedSslCertificate(
      `${name}-cert`,
      { project, managed: { domains: settings.domains } },
      { parent: this },
    );
    const httpsProxy = new gcp.compute.TargetHttpsProxy(
      `${name}-https-proxy`,
      { project, urlMap: this.urlMap.id, sslCertificates: [certificate.id] },
      { parent: this },
    );
    this.address = new gcp.compute.GlobalAddress(`${name}-ip`, { project }, { parent: this });
    this.ipAddress = this.address.address;
    new gcp.compute.GlobalForwardingRule(
      `${name}-https-rule`,
      {
        project,
        loadBalancingScheme: "EXTERNAL_MANAGED",
        ipAddress: this.address.address,
        portRange: "443",
        target: httpsProxy.id,
      },
      { parent: this },
    );

    const redirectMap = new gcp.compute.URLMap(
      `${name}-http-redirect`,
      {
        project,
        description: urlMapDescription(cfg, `${cfg.service.name} HTTP to HTTPS redirect`),
        defaultUrlRedirect: {
          httpsRedirect: true,
          stripQuery: false,
          redirectResponseCode: "MOVED_PERMANENTLY_DEFAULT",
        },
      },
      { parent: this },
    );
    const httpProxy = new gcp.compute.TargetHttpProxy(
      `${name}-http-proxy`,
      { project, urlMap: redirectMap.id },
      { parent: this },
    );
    new gcp.compute.GlobalForwardingRule(
      `${name}-http-rule`,
      {
        project,
        loadBalancingScheme: "EXTERNAL_MANAGED",
        ipAddress: this.address.address,
        portRange: "80",
        target: httpProxy.id,
      },
      { parent: this },
    );

    this.weights = this.urlMap.defaultRouteAction.apply((action) => {
      const declared = action?.weightedBackendServices ?? [];
      const weightOf = (side: Side) => declared[sides.indexOf(side)]?.weight ?? 0;
      return { stable: weightOf("stable"), canary: weightOf("canary") };
    });
    this.registerOutputs({ ipAddress: this.ipAddress, weights: this.weights });
  }
}
