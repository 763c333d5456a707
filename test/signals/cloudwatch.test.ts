import { describe, expect, it } from "vitest";
import { parseStageConfig, readStageFile } from "../../src/config";
import { sampleQueries } from "../../src/rollout/edges/metrics/cloudwatch-queries";
import { type CloudWatchSignal, cloudWatchSignals } from "../../src/signals";

/**
 * What the ALB publishes (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html):
 * `HTTPCode_Target_*XX_Count` counts only responses the targets generated; when a target crashes or
 * times out the load balancer answers 502/503/504 itself, counted in `HTTPCode_ELB_5XX_Count`,
 * which has LoadBalancer (and AvailabilityZone) dimensions only. `RequestCount` per target group
 * counts every request the load balancer sent to a target of that group.
 */
const staging = parseStageConfig("staging", readStageFile("staging").raw);
const DIMS = {
  loadBalancer: "app/alb/1",
  targetGroup: "targetgroup/green/2",
  cluster: "c",
  service: "green",
};

/** One period of a canary whose tasks crash: 100 requests routed, 80 answered 200, 20 answered 502 by the ALB. */
const CRASHING_CANARY: Record<string, number> = {
  RequestCount: 100,
  HTTPCode_Target_2XX_Count: 80,
  // No 3XX, 4XX or 5XX came from a target: CloudWatch has no data point for them.
  HTTPCode_ELB_5XX_Count: 20,
};

/** Evaluates the metric-math subset the signals use (FILL, IF, + - * / >) on one period. */
function evaluate(signal: CloudWatchSignal): number {
  const values = new Map<string, number | undefined>();
  for (const query of signal.queries) {
    if (query.metric) values.set(query.id, CRASHING_CANARY[query.metric.metricName]);
  }
  let result = Number.NaN;
  for (const query of signal.queries) {
    if (!query.expression) continue;
    const js = query.expression.replace(/\bFILL\(/g, "fill(").replace(/\bIF\(/g, "when(");
    const names = [...values.keys()];
    const fn = new Function("fill", "when", ...names, `return ${js};`) as (...args: unknown[]) => number;
    const value = fn(
      (x: number | undefined, fallback: number) => x ?? fallback,
      (cond: boolean, a: number, b: number) => (cond ? a : b),
      ...names.map((name) => values.get(name)),
    );
    values.set(query.id, value);
    if (query.returnData) result = value;
  }
  return result;
}

function signal(name: CloudWatchSignal["signal"]): CloudWatchSignal {
  const found = cloudWatchSignals(staging, DIMS).find((candidate) => candidate.signal === name);
  if (!found) throw new Error(`no ${name} signal`);
  return found;
}

describe("the error rate counts 5xx the load balancer answered for a crashing target group", () => {
  it("errors: the 20 ALB 502s of the target group count as errors", () => {
    expect(evaluate(signal("errors"))).toBe(20);
  });

  it("errorRate: 20 / 100 = 0.2, past staging's 5% roll-back limit", () => {
    expect(evaluate(signal("errorRate"))).toBeCloseTo(0.2, 10);
    expect(0.2).toBeGreaterThan(staging.thresholds.errorRate.rollbackAbove as number);
  });

  it("every metric of the per-side signals names its target group (so a side is judged on its own)", () => {
    for (const name of ["errors", "errorRate", "requests"] as const) {
      for (const query of signal(name).queries) {
        if (query.metric)
          expect(query.metric.dimensions).toEqual({
            TargetGroup: DIMS.targetGroup,
            LoadBalancer: DIMS.loadBalancer,
          });
      }
    }
  });

  it("the runner's GetMetricData request picks the new errors up as they are, ids unique per side", () => {
    const built = sampleQueries(staging, {
      canary: DIMS,
      stable: { ...DIMS, targetGroup: "targetgroup/blue/1" },
    });
    const metrics = built.queries
      .filter((query) => query.Id?.startsWith("canary_"))
      .map((query) => query.MetricStat?.Metric?.MetricName)
      .filter(Boolean);
    expect(metrics).toEqual(
      expect.arrayContaining(["RequestCount", "HTTPCode_Target_2XX_Count", "HTTPCode_Target_4XX_Count"]),
    );
    expect([...built.returned.values()]).toContainEqual({ side: "canary", signal: "errors" });
  });
});
