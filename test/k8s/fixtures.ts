import { parseStageConfig, readStageFile, type StageConfig } from "../../src/config";
import type { DeclaredResource, RenderedStage } from "../../src/synth/render";

export const TYPES = {
  /** Google Managed Service for Prometheus: rules over Cloud Monitoring data (cluster-scoped). */
  globalRules: "kubernetes:monitoring.googleapis.com/v1:GlobalRules",
  prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
  configMap: "kubernetes:core/v1:ConfigMap",
  provider: "pulumi:providers:kubernetes",
  component: "ion-deploy:k8s:KubernetesMonitoring",
  gcpDashboard: "gcp:monitoring/dashboard:Dashboard",
  gcpDashboardComponent: "ion-deploy:gcp:CloudMonitoringDashboard",
  alertPolicy: "gcp:monitoring/alertPolicy:AlertPolicy",
} as const;

type Raw = Record<string, unknown>;

/** A cluster block unlike the committed one, so the tests see the config's values, not defaults. */
export const CLUSTER = {
  kubeconfig: "/etc/ion/kubeconfig",
  context: "kind-ion-test",
  namespace: "observability",
  dashboardLabel: "ion_grafana_dashboard",
  ruleLabels: { release: "kps-test", team: "ion" },
  grafanaDatasource: "gmp-test",
};

export function stageWith(stage: "prod" | "staging", overrides: Raw = {}): StageConfig {
  return parseStageConfig(stage, { ...readStageFile(stage).raw, ...overrides });
}

export function ofType(rendered: RenderedStage, type: string): DeclaredResource[] {
  return rendered.resources.filter((resource) => resource.type === type);
}

export function one(rendered: RenderedStage, type: string): DeclaredResource {
  const found = ofType(rendered, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as DeclaredResource;
}

// biome-ignore lint/suspicious/noExplicitAny: rendered inputs are untyped JSON; tests index into them
export type Json = any;

export function inputs(resource: DeclaredResource): Json {
  return resource.inputs;
}

/** The Grafana dashboard JSON inside the rendered ConfigMap (its one data key). */
export function grafanaJson(rendered: RenderedStage): Json {
  const data = inputs(one(rendered, TYPES.configMap)).data as Record<string, string>;
  const [text] = Object.values(data);
  return JSON.parse(text ?? "");
}

export function cloudJson(rendered: RenderedStage): Json {
  return JSON.parse(inputs(one(rendered, TYPES.gcpDashboard)).dashboardJson);
}
