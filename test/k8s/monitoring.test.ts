import { describe, expect, it } from "vitest";
import { loadStageConfig } from "../../src/config";
import { stageQueries } from "../../src/signals";
import { renderStage } from "../../src/synth/render";
import { PROD_ALERTS } from "../support/prod-alerts";
import {
  CLUSTER,
  cloudJson,
  grafanaJson,
  inputs,
  type Json,
  ofType,
  one,
  stageWith,
  TYPES,
} from "./fixtures";

const PANELS = [
  "Traffic share, canary vs stable",
  "Error rate (5xx / all)",
  "Latency P50 / P95 / P99 (ms)",
  "Requests per second",
  "Memory utilisation (P95 of instances)",
  "CPU utilisation (P95 of instances)",
];

describe("Kubernetes monitoring on the prod stage (k8s block set)", async () => {
  const config = stageWith("prod", { k8s: CLUSTER });
  const rendered = await renderStage(config);
  const queries = Object.values(stageQueries(config));

  it("declares the rules as Managed Prometheus GlobalRules (evaluated against Cloud Monitoring), no PrometheusRule", () => {
    // Cloud Run's run_googleapis_com:* series live only in Cloud Monitoring: a self-hosted Prometheus
    // never has them, so a prometheus-operator PrometheusRule over them could never fire.
    expect(ofType(rendered, TYPES.prometheusRule)).toEqual([]);
    const rule = inputs(one(rendered, TYPES.globalRules));
    expect(rule).toMatchObject({ apiVersion: "monitoring.googleapis.com/v1", kind: "GlobalRules" });
    // GlobalRules is cluster-scoped (its CRD says `scope: Cluster`): no namespace.
    expect(rule.metadata.namespace).toBeUndefined();
    expect(rule.spec.groups[0].rules.every((r: Json) => r.expr.includes("run_googleapis_com:"))).toBe(true);
  });

  it("declares GlobalRules whose rules are the roll-back rules, with the config's limits and durations", () => {
    const rule = inputs(one(rendered, TYPES.globalRules));
    expect(rule.metadata).toMatchObject({ name: "ion-api-prod-rollback" });
    expect(rule.metadata.labels).toMatchObject(CLUSTER.ruleLabels);
    const [group, ...others] = rule.spec.groups as Json[];
    expect(others).toEqual([]);
    expect(group.interval).toBe(`${config.rollout.checkIntervalSeconds}s`);
    expect(group.rules.map((r: Json) => r.alert)).toEqual(Object.keys(PROD_ALERTS));
    for (const declared of group.rules as Json[]) {
      const expected = PROD_ALERTS[declared.alert as keyof typeof PROD_ALERTS];
      expect(declared.expr).toBe(expected.expr);
      expect(declared.for).toBe(expected.duration);
      expect(declared.labels).toEqual({
        severity: "critical",
        signal: expected.signal,
        stage: "prod",
        service: "ion-api",
      });
      expect(declared.annotations.summary).toBe(expected.summary);
      expect(declared.annotations.runbook).toMatch(/ion-rollout abort prod/);
    }
  });

  it("the same rules as the GCP alert policies: one expression per signal, in both places", () => {
    const policies = ofType(rendered, TYPES.alertPolicy).map(
      (policy) => inputs(policy).conditions[0].conditionPrometheusQueryLanguage,
    );
    const group = inputs(one(rendered, TYPES.globalRules)).spec.groups[0];
    for (const declared of group.rules as Json[]) {
      const policy = policies.find((candidate) => candidate.alertRule === declared.alert);
      expect(policy?.query).toBe(declared.expr);
      expect(policy?.duration).toBe(declared.for);
    }
  });

  it("declares the Grafana dashboard ConfigMap with the sidecar label and the config's namespace", () => {
    const map = inputs(one(rendered, TYPES.configMap));
    expect(map.metadata.namespace).toBe(CLUSTER.namespace);
    expect(map.metadata.labels[CLUSTER.dashboardLabel]).toBe("1");
    expect(Object.keys(map.data)).toEqual(["ion-ion-api-prod.json"]);
    const dashboard = grafanaJson(rendered);
    expect(dashboard.uid).toBe("ion-ion-api-prod");
    expect(dashboard.panels.map((panel: Json) => panel.title)).toEqual(PANELS);
  });

  it("the Grafana dashboard defaults to the config's Managed Prometheus data source (reads Cloud Monitoring)", () => {
    const [variable] = grafanaJson(rendered).templating.list as Json[];
    expect(variable).toMatchObject({ name: "datasource", type: "datasource", query: "prometheus" });
    expect(variable.current).toEqual({ text: CLUSTER.grafanaDatasource, value: CLUSTER.grafanaDatasource });
    expect(variable.description).toMatch(/Cloud Monitoring/);
  });

  it("every Grafana panel query is one the signals module produced, legends name the side", () => {
    const targets = grafanaJson(rendered).panels.flatMap((panel: Json) => panel.targets);
    expect(targets.length).toBeGreaterThanOrEqual(PANELS.length);
    for (const target of targets) {
      expect(queries).toContain(target.expr);
      expect(target.legendFormat).toContain("{{revision_name}}");
    }
  });

  it("Grafana draws the GO gate and the roll-back limit from config on error rate, latency and memory", () => {
    const steps = (title: string) =>
      grafanaJson(rendered)
        .panels.find((panel: Json) => panel.title === title)
        .fieldConfig.defaults.thresholds.steps.map((step: Json) => [step.color, step.value]);
    expect(steps("Error rate (5xx / all)")).toEqual([
      ["green", null],
      ["yellow", 0.005],
      ["red", 0.01],
    ]);
    expect(steps("Latency P50 / P95 / P99 (ms)")).toEqual([
      ["green", null],
      ["yellow", 200],
      ["red", 500],
    ]);
    // prod memory: GO gate and roll-back limit are both 85%: one line.
    expect(steps("Memory utilisation (P95 of instances)")).toEqual([
      ["green", null],
      ["red", 0.85],
    ]);
    // prod CPU has only a GO gate.
    expect(steps("CPU utilisation (P95 of instances)")).toEqual([
      ["green", null],
      ["yellow", 0.8],
    ]);
    const share = grafanaJson(rendered).panels[0].fieldConfig.defaults;
    expect(share.custom.stacking.mode).toBe("percent");
  });

  it("declares an explicit cluster provider from the kubeconfig and context, under the component", () => {
    const provider = one(rendered, TYPES.provider);
    expect(inputs(provider)).toMatchObject({ kubeconfig: CLUSTER.kubeconfig, context: CLUSTER.context });
    expect(provider.parent).toEqual({ type: TYPES.component, name: "prod-k8s" });
    for (const type of [TYPES.globalRules, TYPES.configMap]) {
      expect(one(rendered, type).parent).toEqual({ type: TYPES.component, name: "prod-k8s" });
    }
    expect(rendered.outputs).toMatchObject({
      managedPrometheusRules: "ion-api-prod-rollback",
      grafanaDashboardConfigMap: "ion-api-prod-dashboard",
    });
  });

  it("declares the same dashboard in Cloud Monitoring: same panels, same queries, same limits", () => {
    const dashboard = inputs(one(rendered, TYPES.gcpDashboard));
    expect(dashboard.project).toBe("internal-ai-innovation");
    const json = cloudJson(rendered);
    const tiles = json.mosaicLayout.tiles as Json[];
    expect(tiles.map((tile) => tile.widget.title)).toEqual(PANELS);
    const grafana = grafanaJson(rendered).panels as Json[];
    tiles.forEach((tile, index) => {
      const chart = tile.widget.xyChart ?? tile.widget.pieChart;
      const promql = chart.dataSets.map((set: Json) => set.timeSeriesQuery.prometheusQuery);
      for (const query of promql) expect(queries).toContain(query);
      expect(promql).toEqual(grafana[index].targets.map((target: Json) => target.expr));
      const lines = (tile.widget.xyChart?.thresholds ?? []).map((t: Json) => t.value).sort();
      const steps = grafana[index].fieldConfig.defaults.thresholds.steps.slice(1).map((s: Json) => s.value);
      expect(lines).toEqual(steps.sort());
    });
    expect(tiles[2].widget.xyChart.thresholds).toContainEqual(
      expect.objectContaining({ value: 500, color: "RED", direction: "ABOVE" }),
    );
    expect(one(rendered, TYPES.gcpDashboard).parent).toEqual({
      type: TYPES.gcpDashboardComponent,
      name: "prod-dashboard",
    });
  });
});

describe("where the monitoring objects appear", () => {
  it("the committed prod stage (what `synth prod` shows) has the dashboard, the GlobalRules and the ConfigMap", async () => {
    const rendered = await renderStage(loadStageConfig("prod"));
    expect(ofType(rendered, TYPES.gcpDashboard)).toHaveLength(1);
    expect(inputs(one(rendered, TYPES.globalRules)).metadata.labels["ion-stage"]).toBe("prod");
    expect(inputs(one(rendered, TYPES.configMap)).metadata.labels.grafana_dashboard).toBe("1");
  });

  it("k8s disabled: no cluster objects, the Cloud Monitoring dashboard stays", async () => {
    const rendered = await renderStage(stageWith("prod", { k8s: { ...CLUSTER, enabled: false } }));
    for (const type of [TYPES.globalRules, TYPES.prometheusRule, TYPES.configMap, TYPES.provider]) {
      expect(ofType(rendered, type)).toEqual([]);
    }
    expect(ofType(rendered, TYPES.gcpDashboard)).toHaveLength(1);
  });

  it("a k8s block on a stage that is not on GCP is refused: no cluster can evaluate Cloud Run's series for it", () => {
    // The rules and panels read run_googleapis_com:* series, which exist only in Cloud Monitoring
    // for the GCP stage; on AWS the CloudWatch alarms are the alerting backstop.
    expect(() => stageWith("staging", { k8s: { context: "staging-cluster" } })).toThrow(
      /k8s: .*only on a GCP stage.*Cloud Monitoring/,
    );
  });
});
