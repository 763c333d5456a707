import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type K8sMonitoring, type StageConfig } from "../config";
import { grafanaDashboard, grafanaUid } from "../dashboards";
import { ruleGroupName, ruleGroups } from "./prometheus-rules";
import { clusterProvider } from "./provider";

export interface KubernetesMonitoringArgs {
  config: StageConfig;
}

/**
 * Google Cloud Managed Service for Prometheus' rules resource for Cloud Monitoring metrics. The
 * managed rule-evaluator evaluates it against Cloud Monitoring, where Cloud Run's
 * `run_googleapis_com:*` series live ("You need to use the GlobalRules resource when writing rules
 * for Cloud Monitoring metrics"); a self-hosted Prometheus never has those series, so a
 * prometheus-operator PrometheusRule over them could never fire. Cluster-scoped (CRD `scope:
 * Cluster`), `spec.groups` in the upstream rule_group format.
 * https://cloud.google.com/stackdriver/docs/managed-prometheus/rules-managed#globalrules
 * https://github.com/GoogleCloudPlatform/prometheus-engine/blob/main/charts/operator/crds/monitoring.googleapis.com_globalrules.yaml
 */
export const GLOBAL_RULES = { apiVersion: "monitoring.googleapis.com/v1", kind: "GlobalRules" } as const;

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
 * The stage's roll-back alerts as Managed Prometheus GlobalRules and its release dashboard as a
 * ConfigMap the Grafana sidecar loads, in the GKE cluster named by `ion-deploy:k8s` (managed
 * collection on, so its rule-evaluator runs). Both come from the signals module, so they carry the
 * same queries and limits as the cloud alert policies and the runner.
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
        ...GLOBAL_RULES,
        metadata: {
          // A fixed name people look up (`kubectl get globalrules`); cluster-scoped: no namespace.
          name: ruleGroupName(cfg),
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
