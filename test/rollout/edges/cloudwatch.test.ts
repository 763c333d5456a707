import { CloudWatchClient, GetMetricDataCommand, type MetricDataResult } from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { loadStageConfig } from "../../../src/config";
import { CloudWatchMetricsSource } from "../../../src/rollout/edges/metrics/cloudwatch";
import { prefixIds } from "../../../src/rollout/edges/metrics/cloudwatch-queries";

const cfg = loadStageConfig("staging");
const cloudWatch = mockClient(CloudWatchClient);

const DIMENSIONS = {
  canary: {
    loadBalancer: "app/staging/abc",
    targetGroup: "targetgroup/green/111",
    cluster: "staging",
    service: "ion-api-green",
  },
  stable: {
    loadBalancer: "app/staging/abc",
    targetGroup: "targetgroup/blue/222",
    cluster: "staging",
    service: "ion-api-blue",
  },
};

// 12:03:30 UTC: the newest whole minute ends at 12:03:00.
const NOW = Date.UTC(2026, 10, 23, 12, 3, 30);
const minute = (m: number) => new Date(Date.UTC(2026, 10, 23, 12, m, 0));

function source() {
  return new CloudWatchMetricsSource({
    cfg,
    region: "ap-northeast-2",
    dimensions: DIMENSIONS,
    client: new CloudWatchClient({ region: "ap-northeast-2" }),
    now: () => NOW,
  });
}

function series(
  Id: string,
  points: [number, number][],
  extra: Partial<MetricDataResult> = {},
): MetricDataResult {
  return {
    Id,
    Timestamps: points.map(([m]) => minute(m)),
    Values: points.map(([, v]) => v),
    StatusCode: "Complete",
    ...extra,
  };
}

beforeEach(() => {
  cloudWatch.reset();
});
// The mock patches the client class itself: put it back for the next file in a shared worker.
afterAll(() => cloudWatch.restore());

describe("CloudWatchMetricsSource", () => {
  it("sends one GetMetricData with the signals module's queries for both sides, ids prefixed", async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await source().sample();

    const calls = cloudWatch.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.StartTime).toEqual(minute(-2));
    expect(input?.EndTime).toEqual(minute(3));
    expect(input?.ScanBy).toBe("TimestampDescending");
    const queries = input?.MetricDataQueries ?? [];
    expect(queries.map((q) => q.Id)).toEqual([
      "canary_requests",
      "canary_routed",
      "canary_target2xx",
      "canary_target3xx",
      "canary_target4xx",
      "canary_failed",
      "canary_errors",
      "canary_p95",
      "canary_memory",
      "canary_cpu",
      "canary_unhealthy",
      "stable_requests",
      "stable_routed",
      "stable_target2xx",
      "stable_target3xx",
      "stable_target4xx",
      "stable_failed",
      "stable_errors",
      "stable_p95",
      "stable_memory",
      "stable_cpu",
      "stable_unhealthy",
    ]);
    const byId = Object.fromEntries(queries.map((q) => [q.Id, q]));
    const alb = (targetGroup: string) => [
      { Name: "TargetGroup", Value: targetGroup },
      { Name: "LoadBalancer", Value: "app/staging/abc" },
    ];
    // Errors = requests routed to the target group less the 2xx-4xx its targets answered: the
    // targets' 5xx and the 502/503/504 the ALB answered for crashed or timed-out targets.
    expect(byId.canary_target2xx).toEqual({
      Id: "canary_target2xx",
      ReturnData: false,
      MetricStat: {
        Metric: {
          Namespace: "AWS/ApplicationELB",
          MetricName: "HTTPCode_Target_2XX_Count",
          Dimensions: alb("targetgroup/green/111"),
        },
        Period: 60,
        Stat: "Sum",
      },
    });
    expect(byId.canary_errors).toEqual({
      Id: "canary_errors",
      ReturnData: true,
      Label: "5xx responses",
      Expression: "canary_failed",
    });
    expect(byId.stable_p95).toEqual({
      Id: "stable_p95",
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: "AWS/ApplicationELB",
          MetricName: "TargetResponseTime",
          Dimensions: alb("targetgroup/blue/222"),
        },
        Period: 60,
        Stat: "p95",
      },
    });
    expect(byId.canary_memory?.MetricStat).toEqual({
      Metric: {
        Namespace: "AWS/ECS",
        MetricName: "MemoryUtilization",
        Dimensions: [
          { Name: "ClusterName", Value: "staging" },
          { Name: "ServiceName", Value: "ion-api-green" },
        ],
      },
      Period: 60,
      Stat: "Maximum",
    });
    expect(byId.stable_unhealthy?.MetricStat?.Metric?.MetricName).toBe("UnHealthyHostCount");
  });

  it("reads the newest datapoints in config units and pairs errors with the requests' period", async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        series("canary_requests", [
          [2, 15],
          [1, 12],
        ]),
        series("canary_errors", [
          [2, 1],
          [1, 0],
        ]),
        series("canary_p95", [[2, 0.18]]),
        series("canary_memory", [[2, 42]]),
        series("canary_cpu", [[1, 30]]),
        series("canary_unhealthy", [[2, 1]]),
        series("stable_requests", [[2, 285]]),
        series("stable_errors", [[2, 0]]),
        series("stable_p95", [[2, 0.11]]),
        series("stable_memory", [[2, 40]]),
        series("stable_cpu", [[2, 28]]),
        series("stable_unhealthy", [[2, 0]]),
      ],
    });
    const sample = await source().sample();
    expect(sample.errors).toEqual([]);
    expect(sample.at).toBe(NOW);
    expect(sample.canary).toEqual({
      requests: 15,
      errors: 1,
      p95LatencyMs: 180,
      memory: 0.42,
      cpu: 0.3,
      // Staging judges health: one unhealthy target = the target group's threshold was reached.
      healthFailures: 3,
      // Minute 2 ended at 12:03:00; now is 12:03:30.
      sampleAgeSeconds: 30,
    });
    expect(sample.stable.healthFailures).toBe(0);
    expect(sample.stable.requests).toBe(285);
    expect(sample.queries.p95LatencyMs).toBe(
      "canary_p95 = AWS/ApplicationELB TargetResponseTime p95 per 60s {TargetGroup=targetgroup/green/111,LoadBalancer=app/staging/abc}",
    );
    expect(sample.queries.errors).toContain("canary_errors = canary_failed");
    expect(sample.queries["stable.memory"]).toContain("ServiceName=ion-api-blue");
  });

  it("reads errors at the period of the newest requests, so the two make one error rate", async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({
      // Minute 2's 5xx count arrived before its request count: minute 1 is the newest complete pair.
      MetricDataResults: [
        series("canary_requests", [[1, 12]]),
        series("canary_errors", [
          [2, 5],
          [1, 1],
        ]),
      ],
    });
    const sample = await source().sample();
    expect(sample.canary.requests).toBe(12);
    expect(sample.canary.errors).toBe(1);
    expect(sample.canary.sampleAgeSeconds).toBe(90);
  });

  it("leaves missing series null without calling them errors", async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [series("canary_requests", [[2, 15]]), series("canary_memory", [])],
    });
    const sample = await source().sample();
    expect(sample.errors).toEqual([]);
    expect(sample.canary.requests).toBe(15);
    expect(sample.canary.errors).toBeNull();
    expect(sample.canary.memory).toBeNull();
    expect(sample.canary.healthFailures).toBeNull();
    expect(sample.stable.requests).toBeNull();
    expect(sample.stable.sampleAgeSeconds).toBeNull();
  });

  it("records a failed request as an error and reports no values", async () => {
    const denied = Object.assign(new Error("User is not authorized to perform: cloudwatch:GetMetricData"), {
      name: "AccessDenied",
    });
    cloudWatch.on(GetMetricDataCommand).rejects(denied);
    const sample = await source().sample();
    expect(sample.errors).toEqual([
      "CloudWatch GetMetricData failed in ap-northeast-2: AccessDenied: User is not authorized to perform: cloudwatch:GetMetricData",
    ]);
    expect(Object.values(sample.canary).every((value) => value === null)).toBe(true);
    expect(Object.keys(sample.queries).sort()).toEqual(
      ["cpu", "errors", "health", "memory", "p95LatencyMs", "requests"]
        .flatMap((s) => [s, `stable.${s}`])
        .sort(),
    );
  });

  it("records per-series failures and service messages", async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({
      Messages: [{ Code: "MaxMetricsExceeded", Value: "too many metrics" }],
      MetricDataResults: [
        series("canary_requests", [[2, 15]]),
        series("canary_p95", [[2, 0.2]], { StatusCode: "InternalError" }),
        series("stable_cpu", [], { StatusCode: "Forbidden" }),
      ],
    });
    const sample = await source().sample();
    expect(sample.canary.p95LatencyMs).toBeNull();
    expect(sample.errors).toEqual([
      "CloudWatch: MaxMetricsExceeded: too many metrics",
      "canary p95LatencyMs: CloudWatch status InternalError",
      "stable cpu: CloudWatch status Forbidden",
    ]);
  });

  it("follows NextToken and merges the pages", async () => {
    cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [series("canary_requests", [[2, 15]])], NextToken: "page-2" })
      .resolvesOnce({
        MetricDataResults: [series("canary_requests", [[1, 9]]), series("canary_errors", [[2, 2]])],
      });
    const sample = await source().sample();
    const calls = cloudWatch.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.NextToken).toBe("page-2");
    expect(sample.canary.requests).toBe(15);
    expect(sample.canary.errors).toBe(2);
  });

  it("rejects when the caller aborts", async () => {
    const controller = new AbortController();
    cloudWatch.on(GetMetricDataCommand).callsFake(async () => {
      controller.abort(new Error("runner stopping"));
      throw new Error("aborted");
    });
    await expect(source().sample(controller.signal)).rejects.toThrow("runner stopping");
  });
});

describe("prefixIds", () => {
  it("prefixes whole ids only", () => {
    expect(
      prefixIds("IF(requests > 0, FILL(errors5xx, 0) / requests, 0)", ["errors5xx", "requests"], "canary_"),
    ).toBe("IF(canary_requests > 0, FILL(canary_errors5xx, 0) / canary_requests, 0)");
    expect(prefixIds("FILL(errors5xx, 0)", ["errors"], "x_")).toBe("FILL(errors5xx, 0)");
  });
});
