import { CloudWatchClient, GetMetricDataCommand, type MetricDataResult } from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, describe, expect, it } from "vitest";
import { loadStageConfig } from "../../../src/config";
import { foldCounters } from "../../../src/rollout/core/sample/ledger";
import { CloudWatchMetricsSource } from "../../../src/rollout/edges/metrics/cloudwatch";

/**
 * CloudWatch period sums for the sequential analysis's ledger: ALB metrics come in 60-second
 * periods, only while requests flow; only periods older than the ingestion delay are judged, each
 * once, and a period whose Sum grew later (late datapoints) adds only the difference.
 */
const base = loadStageConfig("staging");
const cfg = { ...base, rollout: { ...base.rollout, ingestionDelaySeconds: 120 } };
const cloudWatch = mockClient(CloudWatchClient);
afterAll(() => cloudWatch.restore());

const dims = {
  loadBalancer: "app/staging/abc",
  targetGroup: "targetgroup/green/1",
  cluster: "c",
  service: "s",
};
const at = (m: number, s = 0) => Date.UTC(2026, 10, 23, 12, m, s);

function result(Id: string, points: Record<number, number>): MetricDataResult {
  const minutes = Object.keys(points)
    .map(Number)
    .sort((a, b) => b - a);
  return {
    Id,
    StatusCode: "Complete",
    Timestamps: minutes.map((m) => new Date(at(m))),
    Values: minutes.map((m) => points[m] as number),
  };
}

async function sample(
  now: number,
  requests: Record<number, number>,
  errors: Record<number, number>,
  countedUntil?: number,
) {
  cloudWatch.reset();
  cloudWatch.on(GetMetricDataCommand).resolves({
    MetricDataResults: [result("canary_requests", requests), result("canary_errors", errors)],
  });
  const source = new CloudWatchMetricsSource({
    cfg,
    region: "ap-northeast-2",
    dimensions: { canary: dims, stable: { ...dims, targetGroup: "targetgroup/blue/2" } },
    client: new CloudWatchClient({ region: "ap-northeast-2" }),
    now: () => now,
  });
  return source.sample(undefined, { since: at(1), ...(countedUntil === undefined ? {} : { countedUntil }) });
}

describe("CloudWatch period sums for the ledger", () => {
  it("judges only periods past the delay, each once; a late datapoint adds only what it added", async () => {
    // 12:06:30, delay 120 s: periods 12:01, 12:02, 12:03 are judged; 12:04 is too young; 12:00 is before the rollout.
    const first = await sample(
      at(6, 30),
      { 0: 999, 1: 100, 2: 110, 3: 120, 4: 130 },
      { 0: 9, 1: 1, 2: 0, 3: 2, 4: 5 },
    );
    expect(first.counters?.at).toBe(at(4));
    const one = foldCounters(null, first.counters as NonNullable<typeof first.counters>);
    expect(one.deltas.canary).toEqual({ requests: 330, errors: 3 });
    // A minute later 12:03 grew by 5 (late datapoints) and 12:04 is judged.
    const second = await sample(
      at(7, 30),
      { 1: 100, 2: 110, 3: 125, 4: 130, 5: 10 },
      { 1: 1, 2: 0, 3: 2, 4: 5, 5: 0 },
      one.ledger.at,
    );
    const two = foldCounters(one.ledger, second.counters as NonNullable<typeof second.counters>);
    expect(two.deltas.canary).toEqual({ requests: 135, errors: 5 });
  });
});
