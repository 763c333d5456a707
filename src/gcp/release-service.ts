import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { Release, StageConfig } from "../config";
import { revisionTemplate } from "../config/cloud-run-template";
import { gcpSettings } from "../config/gcp-settings";
import { grantInvokers } from "./invokers";
import { stageLabels } from "./labels";

export interface ReleaseServiceArgs {
  config: StageConfig;
  /** The release this service runs; the service is named after it. */
  release: Release;
  /** The runtime service account: created (and granted) before any revision runs as it. */
  runtimeIdentity?: pulumi.Resource;
}

/**
 * Mode `services`: one release as its own Cloud Run service serving 100% of its traffic from the
 * latest revision; the load balancer in front decides its share.
 */
export class ReleaseService extends pulumi.ComponentResource {
  readonly service: gcp.cloudrunv2.Service;
  readonly invokers: gcp.cloudrunv2.ServiceIamMember[];
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: ReleaseServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:gcp:ReleaseService", name, {}, opts);
    const cfg = args.config;
    const settings = gcpSettings(cfg);

    this.service = new gcp.cloudrunv2.Service(
      name,
      {
        name: args.release.name,
        project: settings.project,
        location: settings.region,
        ingress: settings.ingress,
        deletionProtection: settings.deletionProtection,
        labels: stageLabels(cfg),
        template: revisionTemplate(cfg, args.release),
        traffics: [{ type: "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", percent: 100 }],
      },
      { parent: this, ...(args.runtimeIdentity ? { dependsOn: [args.runtimeIdentity] } : {}) },
    );
    this.invokers = grantInvokers(name, this.service, settings, this);
    this.url = this.service.uri;
    this.registerOutputs({ url: this.url });
  }
}
