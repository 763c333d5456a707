import type * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { CanaryReadiness, StageConfig } from "../config";
import { gcpSettings } from "../config/gcp-settings";
import { RollbackAlertPolicies } from "./alert-policies";
import { CanaryRevisions } from "./canary-revisions";
import { WeightedLoadBalancer } from "./load-balancer";
import { NotificationChannels } from "./notifications";
import { serviceReadiness } from "./readiness";
import { ReleaseService } from "./release-service";
import { RolloutStoreBucket } from "./rollout-store-bucket";
import { RuntimeIdentity } from "./runtime-identity";
import { checkServiceNames } from "./settings";
import type { TrafficWeights } from "./traffic";

export interface GcpStageArgs {
  config: StageConfig;
}

/** What a GCP stage exports: where it serves and the split it serves. */
export interface GcpStageOutputs {
  /** Cloud Run service name → its URL. */
  serviceUrls: pulumi.Output<Record<string, string>>;
  /** Reaches the canary alone: its tagged revision URL, or the canary service's URL. */
  canaryUrl: pulumi.Output<string>;
  weights: pulumi.Output<TrafficWeights>;
  /** Whether Cloud Run reports the canary ready (the rollout reads it before its pre-traffic gate). */
  canaryReadiness: pulumi.Output<CanaryReadiness>;
  /** The load balancer's address (mode `services` only). */
  loadBalancerIp?: pulumi.Output<string>;
  /** The bucket holding the rollout records (`rollout.store.kind` gcs only). */
  rolloutStoreBucket?: pulumi.Output<string>;
}

/**
 * The prod stage on GCP: Cloud Run split by the canary weight (one service with two revisions, or
 * two services behind a weighted HTTPS load balancer), plus a roll-back alert policy per signal
 * wired to the configured notification channels.
 */
export class GcpStage extends pulumi.ComponentResource {
  readonly outputs: GcpStageOutputs;

  constructor(name: string, args: GcpStageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:gcp:GcpStage", name, {}, opts);
    const cfg = args.config;
    const settings = gcpSettings(cfg);

    const identity = new RuntimeIdentity(`${name}-runtime`, { config: cfg }, { parent: this });
    const served =
      settings.mode === "revisions"
        ? this.declareRevisions(cfg, identity)
        : this.declareServices(name, cfg, identity);
    // A `directory` store lives on the runner's machine: nothing to declare.
    const store =
      cfg.rollout.store.kind === "gcs"
        ? new RolloutStoreBucket(`${name}-rollout-store`, { config: cfg }, { parent: this })
        : undefined;
    this.outputs = { ...served, ...(store ? { rolloutStoreBucket: store.bucket.name } : {}) };

    const channels = new NotificationChannels(`${name}-notify`, { config: cfg }, { parent: this });
    new RollbackAlertPolicies(
      `${name}-rollback`,
      { config: cfg, notificationChannels: channels.names },
      { parent: this },
    );
    this.registerOutputs({ ...this.outputs });
  }

  private declareRevisions(cfg: StageConfig, identity: RuntimeIdentity): GcpStageOutputs {
    const split = new CanaryRevisions(
      cfg.service.name,
      { config: cfg, runtimeIdentity: identity },
      { parent: this },
    );
    return {
      serviceUrls: urlsByName([split.service]),
      canaryUrl: split.canaryUrl,
      weights: split.weights,
      canaryReadiness: split.readiness,
    };
  }

  private declareServices(name: string, cfg: StageConfig, identity: RuntimeIdentity): GcpStageOutputs {
    checkServiceNames(cfg);
    // Once the old side is retired its service, NEG and backend are no longer declared.
    const stable = cfg.oldSideRetired
      ? undefined
      : new ReleaseService(
          cfg.releases.stable.name,
          { config: cfg, release: cfg.releases.stable, runtimeIdentity: identity },
          { parent: this },
        );
    const canary = new ReleaseService(
      cfg.releases.canary.name,
      { config: cfg, release: cfg.releases.canary, runtimeIdentity: identity },
      { parent: this },
    );
    const services = { ...(stable ? { stable: stable.service } : {}), canary: canary.service };
    const balancer = new WeightedLoadBalancer(`${name}-lb`, { config: cfg, services }, { parent: this });
    return {
      serviceUrls: urlsByName(Object.values(services)),
      canaryUrl: canary.url,
      weights: balancer.weights,
      canaryReadiness: pulumi
        .all([canary.service.latestReadyRevision, canary.service.terminalConditions])
        .apply(([latestReadyRevision, terminalConditions]) =>
          serviceReadiness(cfg.releases.canary.name, { latestReadyRevision, terminalConditions }),
        ),
      loadBalancerIp: balancer.ipAddress,
    };
  }
}

function urlsByName(services: gcp.cloudrunv2.Service[]): pulumi.Output<Record<string, string>> {
  return pulumi
    .all(services.map((service) => pulumi.all([service.name, service.uri])))
    .apply((pairs) => Object.fromEntries(pairs));
}
