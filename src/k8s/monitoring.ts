import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type K8sMonitoring, type StageConfig } from "../config";
import { grafanaDashboard, grafanaUid } from "../dashboards";
import { ruleGroupName, ruleGroups } from "./prometheus-rules";
import { clusterProvider } from "./provider";

export interface KubernetesMonitoringArgs {
  config: StageConfig;
}

/** prometheus-operator's CRD for alerting rules. */
export const PROMETHEUS_RULE = { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule" } as const;

/** The Grafana sidecar folder annotation (k8s-sidecar `folderAnnotation`), ignored when not set up. */
export const GRAFANA_FOLDER_ANNOTATION = "grafana_folder";

function settingsOf(cfg: StageConfig): K8sMonitoring {
  if (!cfg.k8s) {
    throw new ConfigError(`stage ${cfg.stage}`, [
      { path: "k8s", message: "Kubernetes monitoring needs an ion-deploy:k8s block" },
    ]);
  }
  return cfg.k8s;
}

/**
 * The stage's roll-back alerts as a PrometheusRule and its release dashboard as a ConfigMap the
 * Grafana sidecar loads, in the cluster named by `ion-deploy:k8s`. Both come from the signals
 * module, so they carry the same queries and limits as the cloud alert policies and the runner.
 */
export class KubernetesMonitoring extends pulumi.ComponentResource {
  readonly rule: k8s.apiextensions.CustomResource;
  readonly dashboard: k8s.core.v1.ConfigMap;

  constructor(name: string, args: KubernetesMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:k8s:KubernetesMonitoring", name, {}, opts);
    const cfg = args.config;
    const settings = settingsOf(cfg);
    const provider = clusterProvider(`${name}-cluster`, settings, { parent: this });
    const labels = { "app.kubernetes.io/managed-by": "ion-deploy", "ion-stage": cfg.stage };

    this.rule = new k8s.apiextensions.CustomResource(
      `${name}-rules`,
      {
        ...PROMETHEUS_RULE,
        metadata: {
          // Fixed names: the operator and the sidecar key on them, and people look them up.
          name: ruleGroupName(cfg),
          namespace: settings.namespace,
          // ruleLabels last: they must match the Prometheus `ruleSelector` whatever else is set.
          labels: { ...labels, ...settings.ruleLabels },
        },
        spec: { groups: ruleGroups(cfg) },
      },
      { parent: this, provider },
    );

    const uid = grafanaUid(cfg);
    this.dashboard = new k8s.core.v1.ConfigMap(
      `${name}-dashboard`,
      {
        metadata: {
          name: `${cfg.service.name}-${cfg.stage}-dashboard`,
          namespace: settings.namespace,
          labels: { ...labels, [settings.dashboardLabel]: "1" },
          annotations: { [GRAFANA_FOLDER_ANNOTATION]: "ion-deploy" },
        },
        data: { [`${uid}.json`]: JSON.stringify(grafanaDashboard(cfg), null, 2) },
      },
      { parent: this, provider },
    );

    this.registerOutputs({ ruleName: this.rule.metadata.name, dashboardName: this.dashboard.metadata.name });
  }
}
