import { describe, expect, it } from "vitest";
import { ALARM_SIGNAL_TAGS } from "../../src/aws/rollback-alarms";
import type { StageConfig } from "../../src/config";
import { awsDimensions } from "../../src/rollout/edges/from-config";
import { cloudWatchSignals, type Side } from "../../src/signals";
import { type RenderedStage, renderStage } from "../../src/synth/render";
import { byArn, byId, defined, inputs, mockArn, ofType, one, stagingWith, TYPES } from "./fixtures";

/** The config's roll-back limits in CloudWatch's units, written out here rather than taken from the code. */
function expectedThresholds(config: StageConfig): Record<string, number> {
  const t = config.thresholds;
  return {
    "error-rate": t.errorRate.rollbackAbove as number,
    "p95-latency": (t.p95LatencyMs.rollbackAbove as number) / 1000,
    memory: (t.memory.rollbackAbove as number) * 100,
    cpu: (t.cpu?.rollbackAbove as number) * 100,
    // UnHealthyHostCount: one target out after `rollbackAfterFailures` failed checks.
    health: 1,
  };
}

/** Periods of one check interval (60 s) the breach must last: the config's forSeconds. */
function expectedPeriods(config: StageConfig): Record<string, number> {
  const t = config.thresholds;
  const periods = (seconds: number | undefined) => Math.ceil((seconds ?? 0) / 60);
  return {
    "error-rate": periods(t.errorRate.forSeconds),
    "p95-latency": periods(t.p95LatencyMs.forSeconds),
    memory: periods(t.memory.forSeconds),
    cpu: periods(t.cpu?.forSeconds),
    health: 1,
  };
}

function checkAlarms(config: StageConfig, rendered: RenderedStage): void {
  expect(config.rollout.checkIntervalSeconds).toBe(60);
  const alarms = ofType(rendered, TYPES.alarm).map(inputs);
  const thresholds = expectedThresholds(config);
  const periods = expectedPeriods(config);
  const topicArn = mockArn(one(rendered, TYPES.topic));
  const loadBalancer = one(rendered, TYPES.loadBalancer);
  // Per release and signal, plus the stage-wide load-balancer 5xx alarm.
  expect(alarms).toHaveLength(2 * Object.keys(thresholds).length + 1);
  const lbAlarm = alarms.filter((a) => a.tags["ion-signal"] === "lb-error-rate");
  expect(lbAlarm).toHaveLength(1);
  expect(lbAlarm[0].threshold).toBeCloseTo(thresholds["error-rate"] as number, 10);
  expect(lbAlarm[0].evaluationPeriods).toBe(periods["error-rate"]);
  // HTTPCode_ELB_5XX_Count has LoadBalancer dimensions only (no TargetGroup).
  for (const query of lbAlarm[0].metricQueries.filter((q: { metric?: unknown }) => q.metric)) {
    expect(Object.keys(query.metric.dimensions)).toEqual(["LoadBalancer"]);
    expect(mockArn(loadBalancer).endsWith(query.metric.dimensions.LoadBalancer)).toBe(true);
  }
  expect(
    lbAlarm[0].metricQueries.map((q: { metric?: { metricName: string } }) => q.metric?.metricName),
  ).toContain("HTTPCode_ELB_5XX_Count");
  for (const release of [config.releases.stable, config.releases.canary]) {
    const targetGroup = ofType(rendered, TYPES.targetGroup).find(
      (tg) => inputs(tg).tags["ion-side"] === release.name,
    );
    const service = ofType(rendered, TYPES.ecsService).find(
      (s) => inputs(s).tags["ion-side"] === release.name,
    );
    expect(targetGroup && service).toBeTruthy();
    for (const [signal, threshold] of Object.entries(thresholds)) {
      const found = alarms.filter(
        (a) => a.tags["ion-signal"] === signal && a.tags["ion-side"] === release.name,
      );
      expect(found, `${signal} alarm of ${release.name}`).toHaveLength(1);
      const alarm = found[0];
      expect(alarm.threshold).toBeCloseTo(threshold, 10);
      expect(alarm.evaluationPeriods).toBe(periods[signal]);
      expect(alarm.alarmActions).toEqual([topicArn]);
      for (const query of alarm.metricQueries) {
        const dimensions = query.metric?.dimensions;
        if (!dimensions) continue;
        if (query.metric.namespace === "AWS/ApplicationELB") {
          expect(mockArn(defined(targetGroup)).endsWith(dimensions.TargetGroup)).toBe(true);
          expect(mockArn(loadBalancer).endsWith(dimensions.LoadBalancer)).toBe(true);
        }
        if (query.metric.namespace === "AWS/ECS") {
          expect(dimensions.ServiceName).toBe(defined(service).name);
          expect(dimensions.ClusterName).toBe(one(rendered, TYPES.ecsCluster).name);
        }
      }
    }
  }
}

describe("AWS staging roll-back alarms", async () => {
  const config = stagingWith();
  const rendered = await renderStage(config);

  it("one alarm per release and signal, at the config's limits and durations, on that release's metrics", () => {
    expect(config.thresholds.errorRate).toMatchObject({ rollbackAbove: 0.05, forSeconds: 300 });
    checkAlarms(config, rendered);
  });

  it("the metric queries are exactly the signals module's (5xx-rate metric math, p95 TargetResponseTime)", () => {
    const alarm = ofType(rendered, TYPES.alarm)
      .map(inputs)
      .find((a) => a.tags["ion-signal"] === "error-rate" && a.tags["ion-side"] === "blue");
    const dims = { loadBalancer: "LB", targetGroup: "TG", cluster: "C", service: "S" };
    const signal = cloudWatchSignals(config, dims).find((s) => s.signal === "errorRate");
    expect(alarm.metricQueries.map((q: { id: string; expression?: string }) => [q.id, q.expression])).toEqual(
      signal?.queries.map((q) => [q.id, q.expression]),
    );
    expect(alarm.metricQueries.at(-1).expression).toMatch(/failed \/ FILL\(routed, 0\)/);
    const latency = ofType(rendered, TYPES.alarm)
      .map(inputs)
      .find((a) => a.tags["ion-signal"] === "p95-latency");
    expect(latency.metricQueries[0].metric).toMatchObject({ metricName: "TargetResponseTime", stat: "p95" });
  });

  it("the topic is encrypted and subscribes every configured email", () => {
    const topic = inputs(one(rendered, TYPES.topic));
    expect(byArn(rendered, topic.kmsMasterKeyId, TYPES.kmsKey)).toBeTruthy();
    const subscriptions = ofType(rendered, TYPES.subscription).map(inputs);
    expect(subscriptions.map((s) => [s.protocol, s.endpoint])).toEqual(
      config.notifications.emails.map((email) => ["email", email]),
    );
    for (const subscription of subscriptions) {
      expect(subscription.topic).toBe(mockArn(one(rendered, TYPES.topic)));
    }
  });

  it("other thresholds and subscriptions follow the config", async () => {
    const changed = stagingWith(
      {
        thresholds: {
          errorRate: { rollbackAbove: 0.02, forSeconds: 120, goAtMost: 0.01 },
          p95LatencyMs: { rollbackAbove: 750, forSeconds: 240, goAtMost: 200 },
          memory: { rollbackAbove: 0.9, forSeconds: 60, goAtMost: 0.85 },
          cpu: { rollbackAbove: 0.75, forSeconds: 600, goAtMost: 0.7 },
          health: { rollbackAfterFailures: 5 },
        },
        notifications: { emails: ["a@example.com", "b@example.com"] },
      },
      { alarms: { subscriptions: [{ protocol: "https", endpoint: "https://hooks.example.com/ion" }] } },
    );
    const other = await renderStage(changed);
    checkAlarms(changed, other);
    expect(ofType(other, TYPES.subscription).map((s) => inputs(s).endpoint)).toEqual([
      "a@example.com",
      "b@example.com",
      "https://hooks.example.com/ion",
    ]);
    for (const tg of ofType(other, TYPES.targetGroup))
      expect(inputs(tg).healthCheck.unhealthyThreshold).toBe(5);
    expect(byId(other, "staging-alarms-id", TYPES.topic)).toBeTruthy();
  });
});

describe("the runner's CloudWatch view of staging", async () => {
  const config = stagingWith();
  const rendered = await renderStage(config);

  it("dimensions read back from the stack outputs are the ones the alarms watch, per side", async () => {
    const outputs = Object.fromEntries(
      Object.entries(rendered.outputs).map(([key, value]) => [key, { value }]),
    );
    const dimensions = await awsDimensions(config, ".", {}, async () => outputs);
    const alarms = ofType(rendered, TYPES.alarm).map(inputs);
    let compared = 0;
    for (const [side, release] of Object.entries(config.releases) as [Side, { name: string }][]) {
      for (const signal of cloudWatchSignals(config, dimensions[side])) {
        const alarm = alarms.find(
          (a) =>
            a.tags["ion-side"] === release.name && a.tags["ion-signal"] === ALARM_SIGNAL_TAGS[signal.signal],
        );
        if (!alarm) continue;
        const watched = alarm.metricQueries.map(
          (q: { metric?: { dimensions: unknown } }) => q.metric?.dimensions,
        );
        expect(watched).toEqual(signal.queries.map((q) => q.metric?.dimensions));
        compared++;
      }
    }
    // All but the stage-wide load-balancer alarm, which has no side.
    expect(compared).toBe(alarms.length - 1);
  });
});
