import { CloudWatchClient, GetMetricDataCommand, type MetricDataResult } from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { sidesByRelease } from "../../../src/rollout/commands/trace-source";
import { recordCloudWatchTrace } from "../../../src/rollout/edges/metrics/cloudwatch-range";
import { staging } from "../fixtures";

const cfg = staging();
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
const minute = (m: number) => new Date(Date.UTC(2026, 10, 23, 12, m, 0));

function series(Id: string, points: [number, number][]): MetricDataResult {
  return {
    Id,
    Timestamps: points.map(([m]) => minute(m)),
    Values: points.map(([, v]) => v),
    StatusCode: "Complete",
  };
}

function record(stepSeconds: number, fromMinute = 0, toMinute = 4) {
  return recordCloudWatchTrace({
    cfg,
    region: "ap-northeast-2",
    dimensions: DIMENSIONS,
    range: { fromMs: minute(fromMinute).getTime(), toMs: minute(toMinute).getTime(), stepSeconds },
    client: new CloudWatchClient({ region: "ap-northeast-2" }),
  });
}

beforeEach(() => cloudWatch.reset());
// The mock patches the client class itself: put it back for the next file in a shared worker.
afterAll(() => cloudWatch.restore());

describe("recordCloudWatchTrace (GetMetricData over the range, SDK edge mocked)", () => {
  it("one datapoint per period per check; a period without RequestCount is a gap even where FILL said 0 errors", async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        series("canary_requests", [
          [0, 300],
          [1, 310],
          [3, 290],
        ]),
        series("canary_errors", [
          [0, 0],
          [1, 6],
          [2, 0],
          [3, 1],
        ]),
        series("canary_p95", [
          [0, 0.12],
          [1, 0.61],
          [3, 0.13],
        ]),
        series("canary_memory", [
          [0, 42],
          [1, 43],
          [3, 44],
        ]),
        series("canary_unhealthy", [
          [0, 0],
          [1, 1],
          [3, 0],
        ]),
      ],
    });
    const recorded = await record(60);
    const input = cloudWatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(input?.StartTime).toEqual(minute(0));
    expect(input?.EndTime).toEqual(minute(4));
    expect(recorded.checkTimesMs.map((t) => new Date(t))).toEqual([
      minute(1),
      minute(2),
      minute(3),
      minute(4),
    ]);
    expect(recorded.series.canary.requests).toEqual([300, 310, null, 290]);
    expect(recorded.series.canary.errors).toEqual([0, 6, 0, 1]);
    // Back in config units: seconds → ms, percent → ratio; health as the live source reads it.
    expect(recorded.series.canary.p95Ms).toEqual([120, 610, null, 130]);
    expect(recorded.series.canary.memory).toEqual([0.42, 0.43, null, 0.44]);
    expect(recorded.series.canary.healthFailures).toEqual([0, 3, null, 0]);
    expect(recorded.series.stable.requests).toEqual([null, null, null, null]);
  });

  it("a check of two periods sums counts and keeps the worst level; pages are followed", async () => {
    cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          series("canary_requests", [
            [0, 100],
            [1, 50],
          ]),
        ],
        NextToken: "next",
      })
      .resolvesOnce({
        MetricDataResults: [
          series("canary_requests", [[2, 70]]),
          series("canary_p95", [
            [0, 0.1],
            [1, 0.4],
            [3, 0.2],
          ]),
        ],
      });
    const pages: number[] = [];
    const recorded = await recordCloudWatchTrace({
      cfg,
      region: "ap-northeast-2",
      dimensions: DIMENSIONS,
      range: { fromMs: minute(0).getTime(), toMs: minute(4).getTime(), stepSeconds: 120 },
      client: new CloudWatchClient({ region: "ap-northeast-2" }),
      onProgress: (page) => pages.push(page),
    });
    expect(pages).toEqual([1, 2]);
    expect(cloudWatch.commandCalls(GetMetricDataCommand)[1]?.args[0].input.NextToken).toBe("next");
    expect(recorded.series.canary.requests).toEqual([150, 70]);
    expect(recorded.series.canary.p95Ms).toEqual([400, 200]);
  });

  it("refuses a step that is not whole CloudWatch periods, naming --step", async () => {
    await expect(record(90)).rejects.toThrow(
      /--step 90s is not a whole number of CloudWatch periods \(60 s\)/,
    );
  });

  it("fails on an access error instead of recording gaps", async () => {
    cloudWatch
      .on(GetMetricDataCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDenied" }));
    await expect(record(60)).rejects.toThrow(/not authorized/);
  });

  it("picks each side's dimensions by release colour, whichever role the stack gives it today", () => {
    expect(sidesByRelease(DIMENSIONS, "blue", "green")).toEqual({
      canary: DIMENSIONS.stable,
      stable: DIMENSIONS.canary,
    });
    expect(sidesByRelease(DIMENSIONS, "green", "blue")).toBe(DIMENSIONS);
    expect(() => sidesByRelease(DIMENSIONS, "red", "blue")).toThrow(/do not name the stack's ECS services/);
  });
});
