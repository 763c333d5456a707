import { describe, expect, it } from "vitest";
import type { StageConfig } from "../../src/config";
import { ruleGroups } from "../../src/k8s/prometheus-rules";
import { analyseCheck, type Check, initialAnalysisState } from "../../src/rollout/core/analysis/check";
import type { SideSample } from "../../src/rollout/core/sample/sample";
import { METRICS, sideLabels } from "../../src/signals";
import { renderStage } from "../../src/synth/render";
import { promtool } from "../promql/promtool";
import { histogramSeries, times } from "../promql/series";
import { CLUSTER, cloudJson, grafanaJson, inputs, type Json, one, stageWith, TYPES } from "./fixtures";

/**
 * The same threshold must never be typed twice: moving `thresholds.p95LatencyMs.rollbackAbove` in
 * config moves the Managed Prometheus GlobalRules, the Grafana and Cloud Monitoring threshold lines, the GCP alert
 * policy and the runner's verdict, all at once.
 */

const OLD_LIMIT = 500;
const NEW_LIMIT = 300;
/** Between the two limits: fine under the old one, a breach under the new one. */
const MEASURED_P95 = 400;

function withP95Limit(limit: number): StageConfig {
  return stageWith("prod", {
    k8s: CLUSTER,
    thresholds: { p95LatencyMs: { rollbackAbove: limit, consecutive: 3, goAtMost: 200 } },
  });
}

const healthy: SideSample = {
  requests: 1000,
  errors: 0,
  p95LatencyMs: 120,
  memory: 0.4,
  cpu: 0.3,
  sampleAgeSeconds: 5,
};

/** The runner's p95 verdicts over `checks` checks with the canary's P95 at MEASURED_P95. */
function runnerVerdicts(config: StageConfig, checks: number): string[] {
  let state = initialAnalysisState();
  const verdicts: string[] = [];
  for (let i = 1; i <= checks; i++) {
    const check: Check = {
      at: i * config.rollout.checkIntervalSeconds,
      canary: { ...healthy, p95LatencyMs: MEASURED_P95 },
      stable: healthy,
    };
    const analysis = analyseCheck(config, state, check);
    state = analysis.state;
    const p95 = analysis.signals.find((signal) => signal.signal === "p95LatencyMs");
    verdicts.push(`${p95?.verdict}${p95?.breach ? " (breach)" : ""}`);
  }
  return verdicts;
}

async function picture(limit: number) {
  const config = withP95Limit(limit);
  const rendered = await renderStage(config);
  const rule = (inputs(one(rendered, TYPES.globalRules)).spec.groups[0].rules as Json[]).find(
    (candidate) => candidate.labels.signal === "p95LatencyMs",
  );
  const policy = (rendered.resources as { type: string; inputs: Json }[])
    .filter((resource) => resource.type === TYPES.alertPolicy)
    .map((resource) => resource.inputs.conditions[0].conditionPrometheusQueryLanguage)
    .find((condition: Json) => condition.alertRule === rule?.alert);
  const latencyPanel = grafanaJson(rendered).panels.find((panel: Json) => panel.title.startsWith("Latency"));
  const latencyTile = cloudJson(rendered).mosaicLayout.tiles.find((tile: Json) =>
    tile.widget.title.startsWith("Latency"),
  );
  return {
    alertExpr: rule?.expr as string,
    policyQuery: policy?.query as string,
    grafanaRedLine: latencyPanel.fieldConfig.defaults.thresholds.steps.find((s: Json) => s.color === "red")
      .value,
    cloudRedLine: latencyTile.widget.xyChart.thresholds.find((t: Json) => t.color === "RED").value,
    runner: runnerVerdicts(config, 3),
  };
}

describe("changing the P95 roll-back limit in config", () => {
  it("changes the alert, both dashboards' threshold line and the runner's check together", async () => {
    const before = await picture(OLD_LIMIT);
    const after = await picture(NEW_LIMIT);

    expect(before.alertExpr.endsWith(` > ${OLD_LIMIT}`)).toBe(true);
    expect(after.alertExpr.endsWith(` > ${NEW_LIMIT}`)).toBe(true);
    expect(after.alertExpr.replace(/ > \d+$/, "")).toBe(before.alertExpr.replace(/ > \d+$/, ""));
    expect(before.policyQuery).toBe(before.alertExpr);
    expect(after.policyQuery).toBe(after.alertExpr);

    expect([before.grafanaRedLine, before.cloudRedLine]).toEqual([OLD_LIMIT, OLD_LIMIT]);
    expect([after.grafanaRedLine, after.cloudRedLine]).toEqual([NEW_LIMIT, NEW_LIMIT]);

    // 400 ms: above the GO gate but under 500 (hold), over 300 three checks running (roll back).
    expect(before.runner).toEqual(["OBSERVE", "OBSERVE", "OBSERVE"]);
    expect(after.runner).toEqual(["OBSERVE (breach)", "OBSERVE (breach)", "NO-GO (breach)"]);
  });

  it("the alert fires at the same check as the runner's NO-GO on the same 400 ms data (promtool)", () => {
    // 90% of requests at most 300 ms, 10% in (300, 500]: P95 = 300 + 200 * 0.5 = 400 ms.
    const bounds = [200, 300, 500, 1000];
    const perInterval = [0, 540, 60, 0, 0];
    const outcome = (limit: number) => {
      const config = withP95Limit(limit);
      const interval = config.rollout.checkIntervalSeconds;
      const group = ruleGroups(config)[0];
      const rule = group?.rules.find((candidate) => candidate.labels.signal === "p95LatencyMs");
      const checks = 4;
      const result = promtool(["test", "rules", "tests.yml"], {
        "rules.yml": { groups: ruleGroups(config) },
        "tests.yml": {
          rule_files: ["rules.yml"],
          evaluation_interval: `${interval}s`,
          tests: [
            {
              interval: `${interval}s`,
              input_series: histogramSeries(
                config,
                "canary",
                METRICS.latencyBucket,
                bounds,
                times(checks, perInterval),
              ),
              // Check k looks at interval k; the runner says NO-GO at check 3 only under the new limit.
              alert_rule_test: [2, 3].map((check) => ({
                eval_time: `${check * interval}s`,
                alertname: rule?.alert,
                exp_alerts:
                  limit === NEW_LIMIT && check === 3
                    ? [
                        {
                          exp_labels: {
                            ...rule?.labels,
                            revision_name: sideLabels(config, "canary").revision_name,
                          },
                          exp_annotations: rule?.annotations,
                        },
                      ]
                    : [],
              })),
            },
          ],
        },
      });
      return result;
    };
    for (const limit of [OLD_LIMIT, NEW_LIMIT]) {
      const result = outcome(limit);
      expect(result.output).toContain("SUCCESS");
      expect(result.code).toBe(0);
    }
  });
});
