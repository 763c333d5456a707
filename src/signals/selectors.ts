import type { Side, StageConfig } from "../config";
import { revisionNames } from "../config/cloud-run-revision-names";

export type { Side };
export type Labels = Record<string, string>;

/** Cloud Monitoring labels every Cloud Run request metric carries (the rehearsal app exports them too). */
export const CLOUD_RUN_RESOURCE = "cloud_run_revision";

/**
 * The labels that pick one side of the split out of Cloud Run's metrics: a revision of one service
 * (mode revisions, and the local rehearsal), or a whole service (mode services).
 */
export function sideLabels(cfg: StageConfig, side: Side): Labels {
  const release = cfg.releases[side];
  if (cfg.platform === "gcp" && cfg.gcp?.mode === "services") {
    return { monitored_resource: CLOUD_RUN_RESOURCE, service_name: release.name };
  }
  return {
    monitored_resource: CLOUD_RUN_RESOURCE,
    service_name: cfg.service.name,
    revision_name: revisionLabel(cfg, side),
  };
}

/**
 * Labels for the whole stage, grouped per side by `sideLabel`. In mode revisions the alerts,
 * GlobalRules and dashboards select the whole service and group by revision (`pinSides` false):
 * the runner's targeted `up` leaves them out, so they must follow whatever revision is deployed
 * (the new canary) without being redeployed. In mode services each release is its own service,
 * declared by a full `up`; the two are pinned by name.
 */
export function stageLabels(cfg: StageConfig): {
  labels: Labels;
  sideLabel: string;
  sideValues: string[];
  pinSides: boolean;
} {
  const names =
    cfg.platform === "gcp" && cfg.gcp?.mode !== "services"
      ? [revisionLabel(cfg, "stable"), revisionLabel(cfg, "canary")]
      : [cfg.releases.stable.name, cfg.releases.canary.name];
  if (cfg.platform === "gcp" && cfg.gcp?.mode === "services") {
    return {
      labels: { monitored_resource: CLOUD_RUN_RESOURCE },
      sideLabel: "service_name",
      sideValues: names,
      pinSides: true,
    };
  }
  return {
    labels: { monitored_resource: CLOUD_RUN_RESOURCE, service_name: cfg.service.name },
    sideLabel: "revision_name",
    sideValues: names,
    pinSides: false,
  };
}

/** The `revision_name` of one side: Cloud Run's derived revision name on GCP, the release name locally. */
function revisionLabel(cfg: StageConfig, side: Side): string {
  if (cfg.platform !== "gcp") return cfg.releases[side].name;
  return cfg.releases[side].revision ?? revisionNames(cfg)[side];
}
