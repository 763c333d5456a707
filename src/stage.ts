import type * as pulumi from "@pulumi/pulumi";
import { AwsStage } from "./aws/stage";
import type { StageConfig } from "./config";
import { CloudMonitoringDashboard } from "./gcp/dashboard";
import { GcpStage } from "./gcp/stage";
import { KubernetesMonitoring } from "./k8s/monitoring";

export type StageOutputs = Record<string, pulumi.Input<unknown>>;

/** Declares one stage's resources from its validated config; the platform is a config value. */
export function declareStage(cfg: StageConfig): StageOutputs {
  const outputs = declarePlatform(cfg);
  return { ...outputs, ...declareMonitoring(cfg) };
}

/**
 * What people watch during a release, from the same signals as the alerts and the runner: the
 * Cloud console dashboard on GCP, and the Managed Prometheus GlobalRules + Grafana dashboard in a cluster when the
 * stage has an enabled `k8s` block (any platform).
 */
function declareMonitoring(cfg: StageConfig): StageOutputs {
  const outputs: StageOutputs = {};
  if (cfg.platform === "gcp") {
    const cloudConsole = new CloudMonitoringDashboard(`${cfg.stage}-dashboard`, { config: cfg });
    outputs.cloudMonitoringDashboard = cloudConsole.dashboard.id;
  }
  if (cfg.k8s?.enabled) {
    const k8s = new KubernetesMonitoring(`${cfg.stage}-k8s`, { config: cfg });
    outputs.managedPrometheusRules = k8s.rule.metadata.name;
    outputs.grafanaDashboardConfigMap = k8s.dashboard.metadata.name;
  }
  return outputs;
}

function declarePlatform(cfg: StageConfig): StageOutputs {
  switch (cfg.platform) {
    case "gcp":
      return { ...new GcpStage(cfg.stage, { config: cfg }).outputs };
    case "aws":
      return { ...new AwsStage(cfg.stage, { config: cfg }).outputs };
    case "local":
      throw new Error(
        `stage ${cfg.stage} is the local rehearsal (platform: local); it has no cloud resources — run \`npm run rehearse\``,
      );
  }
}
