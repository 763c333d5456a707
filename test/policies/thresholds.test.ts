import { describe, expect, it } from "vitest";
import {
  check,
  declared,
  editResource,
  outcomeOf,
  render,
  renderCommitted,
  stageWith,
  TYPES,
  violationsOf,
  withoutResources,
  withResources,
} from "./fixtures";

const LIMITS = "alert-thresholds-within-org-limits";
const CHANNELS = "alerts-notify-a-channel";
const COVERAGE = "rollback-signals-have-alerts";

describe(LIMITS, () => {
  it("catches prod's error-rate roll-back raised to 5% in the alert policy and the Managed Prometheus GlobalRules", async () => {
    const run = await check(
      await render(stageWith("prod", { thresholds: { errorRate: { rollbackAbove: 0.05 } } })),
    );
    const found = violationsOf(run, LIMITS);
    expect(found.map((violation) => violation.resource?.name).sort()).toEqual([
      "prod-k8s-rules",
      "prod-rollback-error-rate",
    ]);
    const gcp = found.find((violation) => violation.resource?.name === "prod-rollback-error-rate");
    expect(gcp?.enforcementLevel).toBe("mandatory");
    expect(gcp?.message).toMatch(/^AlertPolicy "prod-rollback-error-rate": condition 1/);
    expect(gcp?.message).toContain("above 5% (declared > 0.05)");
    expect(gcp?.message).toContain("limit for stage prod: 1%");
    expect(gcp?.message).toContain("Fix: set ion-deploy:thresholds.errorRate.rollbackAbove to at most 0.01");
    expect(run.mandatory.length).toBe(2);
    const rules = found.find((violation) => violation.resource?.name === "prod-k8s-rules");
    expect(rules?.resource?.type).toBe(TYPES.globalRules);
    expect(rules?.message).toMatch(/^GlobalRules "prod-k8s-rules": rule IonApiErrorRateRollback fires on/);
  });

  it("passes the compliant twin: prod's error-rate limit tightened to 0.5%", async () => {
    const run = await check(
      await render(
        stageWith("prod", { thresholds: { errorRate: { rollbackAbove: 0.005, goAtMost: 0.0025 } } }),
      ),
    );
    expect(violationsOf(run, LIMITS)).toEqual([]);
    expect(outcomeOf(run, LIMITS)).toBe("passed");
  });

  it("catches a prod P95 alert that waits 10 checks instead of 3 (duration, not just the limit)", async () => {
    const run = await check(
      await render(stageWith("prod", { thresholds: { p95LatencyMs: { consecutive: 10 } } })),
    );
    const messages = violationsOf(run, LIMITS).map((violation) => violation.message);
    expect(
      messages.some((message) => /prod-rollback-p95-latency.*needs 600 s .*\(180 s\)/.test(message)),
    ).toBe(true);
  });

  it("catches staging's CloudWatch P95 alarm at 3 s (limit 2 s) on both sides, read from the alarm threshold in seconds", async () => {
    const run = await check(
      await render(stageWith("staging", { thresholds: { p95LatencyMs: { rollbackAbove: 3000 } } })),
    );
    const found = violationsOf(run, LIMITS);
    expect(found.map((violation) => violation.resource?.name).sort()).toEqual([
      "staging-rollback-blue-p95-latency",
      "staging-rollback-green-p95-latency",
    ]);
    expect(found[0]?.message).toContain("above 3000 ms (declared GreaterThanThreshold 3 s)");
    expect(found[0]?.message).toContain("limit for stage staging: 2000 ms");
  });

  it("reads memory alarms in percent: staging memory at 99% is caught, 90% passes", async () => {
    const loose = await check(
      await render(stageWith("staging", { thresholds: { memory: { rollbackAbove: 0.99 } } })),
    );
    expect(violationsOf(loose, LIMITS)[0]?.message).toContain(
      "above 99% (declared GreaterThanThreshold 99 %)",
    );
    const tight = await check(
      await render(stageWith("staging", { thresholds: { memory: { rollbackAbove: 0.9 } } })),
    );
    expect(violationsOf(tight, LIMITS)).toEqual([]);
  });

  it("judges the query, not the label: an alert labelled memory whose query is raised to 0.02 error rate is caught", async () => {
    const prod = await renderCommitted("prod");
    const edited = editResource(prod, TYPES.alertPolicy, "prod-rollback-error-rate", (inputs) => {
      const condition = (inputs.conditions as { conditionPrometheusQueryLanguage: { query: string } }[])[0];
      if (!condition) throw new Error("no condition");
      condition.conditionPrometheusQueryLanguage.query =
        condition.conditionPrometheusQueryLanguage.query.replace(/ > 0\.01$/, " > 0.02");
      (inputs.userLabels as Record<string, string>)["ion-signal"] = "memory";
    });
    const found = violationsOf(await check(edited), LIMITS);
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toContain("error rate (5xx / all) above 2%");
  });

  it("refuses an alert that compares the wrong way (fires below the limit)", async () => {
    const edited = editResource(
      await renderCommitted("staging"),
      TYPES.alarm,
      "staging-rollback-green-cpu",
      (inputs) => {
        inputs.comparisonOperator = "LessThanThreshold";
      },
    );
    const found = violationsOf(await check(edited), LIMITS);
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toContain("compares LessThanThreshold 90 %");
  });

  it("checks a hand-written PrometheusRule in seconds (http_request_duration_seconds > 0.8 is 800 ms, over prod's 500 ms)", async () => {
    const rule = (threshold: string) =>
      declared(TYPES.prometheusRule, "extra-rules", {
        metadata: { name: "extra", labels: { "ion-stage": "prod" } },
        spec: {
          groups: [
            {
              name: "latency",
              rules: [
                {
                  alert: "ApiSlow",
                  expr: `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > ${threshold}`,
                  for: "2m",
                },
              ],
            },
          ],
        },
      });
    const prod = await renderCommitted("prod");
    const slow = violationsOf(await check(withResources(prod, rule("0.8"))), LIMITS);
    expect(slow.map((violation) => violation.message)).toEqual([
      expect.stringMatching(
        /^PrometheusRule "extra-rules": rule ApiSlow fires on P95 latency \(ms\) above 800 ms/,
      ),
    ]);
    expect(violationsOf(await check(withResources(prod, rule("0.4"))), LIMITS)).toEqual([]);
  });

  it.each([
    ["Rules", TYPES.gmpRules],
    ["ClusterRules", TYPES.gmpClusterRules],
    ["GlobalRules", TYPES.globalRules],
  ])("judges a hand-written Managed Prometheus %s object like the stack's own", async (kind, type) => {
    const rules = (threshold: string) =>
      declared(type, "extra-gmp", {
        metadata: { name: "extra", labels: { "ion-stage": "prod" } },
        spec: {
          groups: [
            {
              name: "errors",
              interval: "60s",
              rules: [{ alert: "ApiErrors", expr: `sum(rate(x_5xx[1m])) / sum(rate(x[1m])) > ${threshold}` }],
            },
          ],
        },
      });
    const prod = await renderCommitted("prod");
    const loose = violationsOf(await check(withResources(prod, rules("0.02"))), LIMITS);
    expect(loose.map((violation) => violation.message)).toEqual([
      expect.stringMatching(
        new RegExp(`^${kind} "extra-gmp": rule ApiErrors fires on error rate .* above 2%`),
      ),
    ]);
    expect(violationsOf(await check(withResources(prod, rules("0.01"))), LIMITS)).toEqual([]);
  });

  it("an organisation can tighten the limit in the pack config: prod error rate at most 0.5% flags the committed 1%", async () => {
    const run = await check(await renderCommitted("prod"), {
      [LIMITS]: { stages: { prod: { errorRate: { rollbackAbove: 0.005 } } } },
    });
    expect(violationsOf(run, LIMITS).map((violation) => violation.resource?.name)).toContain(
      "prod-rollback-error-rate",
    );
  });
});

describe(CHANNELS, () => {
  it("catches prod alert policies with no notification channel (no emails, no Slack)", async () => {
    const run = await check(
      await render(stageWith("prod", { notifications: { emails: [], slackChannel: undefined } })),
    );
    const found = violationsOf(run, CHANNELS);
    expect(found.map((violation) => violation.resource?.name).sort()).toEqual([
      "prod-rollback-error-rate",
      "prod-rollback-memory",
      "prod-rollback-p95-latency",
    ]);
    expect(found[0]?.message).toContain("notificationChannels is empty");
    expect(found[0]?.message).toContain("ion-deploy:notifications");
  });

  it("catches a staging alarm without alarm actions; the committed alarms all notify the topic", async () => {
    const staging = await renderCommitted("staging");
    expect(violationsOf(await check(staging), CHANNELS)).toEqual([]);
    const silent = editResource(staging, TYPES.alarm, "staging-rollback-blue-error-rate", (inputs) => {
      inputs.alarmActions = [];
    });
    const found = violationsOf(await check(silent), CHANNELS);
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toMatch(
      /^MetricAlarm "staging-rollback-blue-error-rate": alarmActions is empty/,
    );
  });
});

describe(COVERAGE, () => {
  it("catches prod without its memory alert (GCP policy and GlobalRules rule both gone)", async () => {
    const prod = await renderCommitted("prod");
    const withoutMemory = editResource(
      withoutResources(prod, (resource) => resource.name === "prod-rollback-memory"),
      TYPES.globalRules,
      "prod-k8s-rules",
      (inputs) => {
        const spec = inputs.spec as { groups: { rules: { alert?: string }[] }[] };
        for (const group of spec.groups) {
          group.rules = group.rules.filter((rule) => !/Memory/.test(rule.alert ?? ""));
        }
      },
    );
    const found = violationsOf(await check(withoutMemory), COVERAGE);
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toContain(
      "stage prod serves traffic but declares no alert on memory utilisation",
    );
    expect(found[0]?.resource?.type).toBe(TYPES.service);
    expect(violationsOf(await check(prod), COVERAGE)).toEqual([]);
  });

  it("requires what the organisation lists: CPU for prod (which has no CPU roll-back) is reported", async () => {
    const run = await check(await renderCommitted("prod"), {
      [COVERAGE]: { stages: { prod: ["errorRate", "p95LatencyMs", "memory", "cpu"], staging: [] } },
    });
    expect(violationsOf(run, COVERAGE).map((violation) => violation.message)).toEqual([
      expect.stringContaining("declares no alert on CPU utilisation"),
    ]);
  });

  it("catches staging without its CPU alarms (staging requires CPU)", async () => {
    const staging = await renderCommitted("staging");
    const found = violationsOf(
      await check(withoutResources(staging, (resource) => /-cpu$/.test(resource.name))),
      COVERAGE,
    );
    expect(found.map((violation) => violation.message)).toEqual([
      expect.stringContaining("stage staging serves traffic but declares no alert on CPU utilisation"),
    ]);
  });
});
