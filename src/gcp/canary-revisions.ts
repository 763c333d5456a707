import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { CanaryReadiness, StageConfig } from "../config";
import { revisionNames } from "../config/cloud-run-revision-names";
import { revisionTemplate } from "../config/cloud-run-template";
import { gcpSettings } from "../config/gcp-settings";
import { grantInvokers } from "./invokers";
import { stageLabels } from "./labels";
import { revisionReadiness } from "./readiness";
import { checkRevisionNames } from "./settings";
import { CANARY_TAG, revisionTraffics, type TrafficWeights, weightsFromStatuses } from "./traffic";

export interface CanaryRevisionsArgs {
  config: StageConfig;
  /** The runtime service account: created (and granted) before any revision runs as it. */
  runtimeIdentity?: pulumi.Resource;
}

/**
 * Mode `revisions`: one Cloud Run service whose traffic is split between the stable revision and
 * the canary revision (the template, named `<release>-<template hash>`), the canary tagged so it has
 * its own URL. A first deploy creates and serves only the stable release.
 */
export class CanaryRevisions extends pulumi.ComponentResource {
  readonly service: gcp.cloudrunv2.Service;
  readonly invokers: gcp.cloudrunv2.ServiceIamMember[];
  readonly serviceUrl: pulumi.Output<string>;
  /** The canary revision's tagged URL (serves it whatever its share of traffic). */
  readonly canaryUrl: pulumi.Output<string>;
  /** The split Cloud Run reports serving. */
  readonly weights: pulumi.Output<TrafficWeights>;
  /** Whether Cloud Run reports the canary revision ready, read before the pre-traffic gate. */
  readonly readiness: pulumi.Output<CanaryReadiness>;

  constructor(name: string, args: CanaryRevisionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:gcp:CanaryRevisions", name, {}, opts);
    const cfg = args.config;
    const settings = gcpSettings(cfg);
    checkRevisionNames(cfg);

    this.service = new gcp.cloudrunv2.Service(
      name,
      {
        name: cfg.service.name,
        project: settings.project,
        location: settings.region,
        ingress: settings.ingress,
        deletionProtection: settings.deletionProtection,
        labels: stageLabels(cfg),
        template: revisionTemplate(cfg, cfg.releases.canary, revisionNames(cfg).canary),
        traffics: revisionTraffics(cfg),
      },
      { parent: this, ...(args.runtimeIdentity ? { dependsOn: [args.runtimeIdentity] } : {}) },
    );
    this.invokers = grantInvokers(name, this.service, settings, this);
    this.serviceUrl = this.service.uri;
    this.canaryUrl = this.service.trafficStatuses.apply(
      (statuses) => statuses.find((status) => status.tag === CANARY_TAG)?.uri ?? "",
    );
    this.weights = this.service.trafficStatuses.apply((statuses) => weightsFromStatuses(statuses, cfg));
    const service = this.service;
    this.readiness = pulumi
      .all([service.latestReadyRevision, service.terminalConditions, service.trafficStatuses])
      .apply(([latestReadyRevision, terminalConditions, trafficStatuses]) =>
        revisionReadiness(cfg.releases.canary.name, revisionNames(cfg).canary, {
          latestReadyRevision,
          terminalConditions,
          trafficStatuses,
        }),
      );
    this.registerOutputs({ serviceUrl: this.serviceUrl, canaryUrl: this.canaryUrl, weights: this.weights });
  }
}
