import type { StageConfig } from "../config";
import { consecutiveChecks } from "./rules";

/**
 * CloudWatch's view of the same signals for AWS stages: metric queries that CloudWatch alarms
 * (`metricQueries`) and the runner (`GetMetricData`) both use, with limits converted to
 * CloudWatch's units.
 */
export interface CloudWatchDimensions<T = string> {
  /** `arnSuffix` of the load balancer and of one side's target group. */
  loadBalancer: T;
  targetGroup: T;
  /** ECS cluster and service names of the same side. */
  cluster: T;
  service: T;
}

export interface CloudWatchMetricQuery<T = string> {
  id: string;
  expression?: string;
  label?: string;
  metric?: { namespace: string; metricName: string; dimensions: Record<string, T>; stat: string };
  returnData: boolean;
}

export interface CloudWatchSignal<T = string> {
  signal:
    | "errorRate"
    | "p95LatencyMs"
    | "memory"
    | "cpu"
    | "health"
    | "requests"
    | "errors"
    | "loadBalancerErrorRate";
  queries: CloudWatchMetricQuery<T>[];
  /** In CloudWatch's units (seconds for latency, percent for ECS utilisation). */
  threshold?: number;
  periodSeconds: number;
  evaluationPeriods: number;
  comparison: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold";
}

/** CloudWatch's shortest standard-resolution period. */
const MIN_PERIOD = 60;

/**
 * Failed requests of one target group: every request the ALB routed to it (`RequestCount` per target
 * group) less the 2xx/3xx/4xx its targets answered. What is left is the targets' own 5xx plus the
 * 502/503/504 the load balancer answered itself when a target crashed or timed out, which
 * `HTTPCode_ELB_5XX_Count` cannot attribute to a target group (LoadBalancer dimensions only:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).
 * Ids stay distinct from the `requests` signal's, so a side's GetMetricData ids are unique.
 */
function failedRequestQueries<T>(
  albMetric: (name: string, stat: string) => CloudWatchMetricQuery<T>["metric"],
): CloudWatchMetricQuery<T>[] {
  const answered = ["2XX", "3XX", "4XX"].map((code) => ({
    id: `target${code.toLowerCase()}`,
    metric: albMetric(`HTTPCode_Target_${code}_Count`, "Sum"),
    returnData: false,
  }));
  const routed = "FILL(routed, 0)";
  const unanswered = `${routed} - ${answered.map((query) => `FILL(${query.id}, 0)`).join(" - ")}`;
  return [
    { id: "routed", metric: albMetric("RequestCount", "Sum"), returnData: false },
    ...answered,
    // Never below zero, should a response land in the period after its request.
    {
      id: "failed",
      expression: `IF(${unanswered} > 0, ${unanswered}, 0)`,
      label: "5xx (targets and ALB)",
      returnData: false,
    },
  ];
}

/** The alarm period (the check interval, in whole minutes) and a threshold's breach length in periods. */
function timing(cfg: StageConfig) {
  const interval = cfg.rollout.checkIntervalSeconds;
  const period = Math.max(MIN_PERIOD, Math.ceil(interval / MIN_PERIOD) * MIN_PERIOD);
  const periods = (threshold: { consecutive?: number; forSeconds?: number } | undefined) =>
    threshold ? Math.max(1, Math.ceil((consecutiveChecks(threshold, interval) * interval) / period)) : 1;
  return { period, periods };
}

/** Generic in the dimension values, so a stack can pass Outputs and the runner plain strings. */
export function cloudWatchSignals<T>(cfg: StageConfig, dims: CloudWatchDimensions<T>): CloudWatchSignal<T>[] {
  const { period, periods } = timing(cfg);
  const alb = { TargetGroup: dims.targetGroup, LoadBalancer: dims.loadBalancer };
  const ecs = { ClusterName: dims.cluster, ServiceName: dims.service };
  const albMetric = (metricName: string, stat: string) => ({
    namespace: "AWS/ApplicationELB",
    metricName,
    dimensions: alb,
    stat,
  });
  const ecsMetric = (metricName: string) => ({
    namespace: "AWS/ECS",
    metricName,
    dimensions: ecs,
    stat: "Maximum",
  });
  const t = cfg.thresholds;
  const signals: CloudWatchSignal<T>[] = [
    {
      signal: "requests",
      queries: [{ id: "requests", metric: albMetric("RequestCount", "Sum"), returnData: true }],
      periodSeconds: period,
      evaluationPeriods: 1,
      comparison: "GreaterThanThreshold",
    },
    {
      signal: "errors",
      queries: [
        ...failedRequestQueries(albMetric),
        { id: "errors", expression: "failed", label: "5xx responses", returnData: true },
      ],
      periodSeconds: period,
      evaluationPeriods: 1,
      comparison: "GreaterThanThreshold",
    },
    {
      signal: "errorRate",
      queries: [
        ...failedRequestQueries(albMetric),
        {
          id: "errorRate",
          expression: "IF(FILL(routed, 0) > 0, failed / FILL(routed, 0), 0)",
          label: "5xx / all",
          returnData: true,
        },
      ],
      threshold: t.errorRate.rollbackAbove,
      periodSeconds: period,
      evaluationPeriods: periods(t.errorRate),
      comparison: "GreaterThanThreshold",
    },
    {
      signal: "p95LatencyMs",
      queries: [{ id: "p95", metric: albMetric("TargetResponseTime", "p95"), returnData: true }],
      threshold: t.p95LatencyMs.rollbackAbove === undefined ? undefined : t.p95LatencyMs.rollbackAbove / 1000,
      periodSeconds: period,
      evaluationPeriods: periods(t.p95LatencyMs),
      comparison: "GreaterThanThreshold",
    },
    {
      signal: "memory",
      queries: [{ id: "memory", metric: ecsMetric("MemoryUtilization"), returnData: true }],
      threshold: t.memory.rollbackAbove === undefined ? undefined : t.memory.rollbackAbove * 100,
      periodSeconds: period,
      evaluationPeriods: periods(t.memory),
      comparison: "GreaterThanThreshold",
    },
    {
      signal: "cpu",
      queries: [{ id: "cpu", metric: ecsMetric("CPUUtilization"), returnData: true }],
      threshold: t.cpu?.rollbackAbove === undefined ? undefined : t.cpu.rollbackAbove * 100,
      periodSeconds: period,
      evaluationPeriods: periods(t.cpu),
      comparison: "GreaterThanThreshold",
    },
    {
      // The target group marks a target unhealthy after `rollbackAfterFailures` failed checks in a row.
      signal: "health",
      queries: [{ id: "unhealthy", metric: albMetric("UnHealthyHostCount", "Maximum"), returnData: true }],
      threshold: t.health ? 1 : undefined,
      periodSeconds: period,
      evaluationPeriods: 1,
      comparison: "GreaterThanOrEqualToThreshold",
    },
  ];
  return signals;
}

/**
 * The load balancer's own 5xx over all its requests, for the whole stage (both sides): the one
 * view of `HTTPCode_ELB_5XX_Count`, which has no target group dimension. It also sees 503s answered
 * when a target group has no healthy target (no request is routed, so no target group counts it).
 * Same limit and breach length as the per-side error rate.
 */
export function cloudWatchStageSignals<T>(cfg: StageConfig, loadBalancer: T): CloudWatchSignal<T>[] {
  const { period, periods } = timing(cfg);
  const lbMetric = (metricName: string) => ({
    namespace: "AWS/ApplicationELB",
    metricName,
    dimensions: { LoadBalancer: loadBalancer },
    stat: "Sum",
  });
  return [
    {
      signal: "loadBalancerErrorRate",
      queries: [
        { id: "lbRequests", metric: lbMetric("RequestCount"), returnData: false },
        { id: "lb5xx", metric: lbMetric("HTTPCode_ELB_5XX_Count"), returnData: false },
        {
          id: "lbErrorRate",
          expression: "IF(FILL(lbRequests, 0) > 0, FILL(lb5xx, 0) / lbRequests, 0)",
          label: "load balancer 5xx / all",
          returnData: true,
        },
      ],
      threshold: cfg.thresholds.errorRate.rollbackAbove,
      periodSeconds: period,
      evaluationPeriods: periods(cfg.thresholds.errorRate),
      comparison: "GreaterThanThreshold",
    },
  ];
}

/** Converts a CloudWatch value back to the config's units (ratio, ms). */
export function fromCloudWatchUnits(signal: CloudWatchSignal["signal"], value: number): number {
  if (signal === "p95LatencyMs") return value * 1000;
  if (signal === "memory" || signal === "cpu") return value / 100;
  return value;
}
