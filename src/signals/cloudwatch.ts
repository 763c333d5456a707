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
  signal: "errorRate" | "p95LatencyMs" | "memory" | "cpu" | "health" | "requests" | "errors";
  queries: CloudWatchMetricQuery<T>[];
  /** In CloudWatch's units (seconds for latency, percent for ECS utilisation). */
  threshold?: number;
  periodSeconds: number;
  evaluationPeriods: number;
  comparison: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold";
}

/** CloudWatch's shortest standard-resolution period. */
const MIN_PERIOD = 60;

/** Generic in the dimension values, so a stack can pass Outputs and the runner plain strings. */
export function cloudWatchSignals<T>(cfg: StageConfig, dims: CloudWatchDimensions<T>): CloudWatchSignal<T>[] {
  const interval = cfg.rollout.checkIntervalSeconds;
  const period = Math.max(MIN_PERIOD, Math.ceil(interval / MIN_PERIOD) * MIN_PERIOD);
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
  const periods = (threshold: { consecutive?: number; forSeconds?: number } | undefined) =>
    threshold ? Math.max(1, Math.ceil((consecutiveChecks(threshold, interval) * interval) / period)) : 1;
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
        { id: "errors5xx", metric: albMetric("HTTPCode_Target_5XX_Count", "Sum"), returnData: false },
        { id: "errors", expression: "FILL(errors5xx, 0)", label: "5xx responses", returnData: true },
      ],
      periodSeconds: period,
      evaluationPeriods: 1,
      comparison: "GreaterThanThreshold",
    },
    {
      signal: "errorRate",
      queries: [
        { id: "errors5xx", metric: albMetric("HTTPCode_Target_5XX_Count", "Sum"), returnData: false },
        { id: "requests", metric: albMetric("RequestCount", "Sum"), returnData: false },
        {
          id: "errorRate",
          expression: "IF(requests > 0, FILL(errors5xx, 0) / requests, 0)",
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

/** Converts a CloudWatch value back to the config's units (ratio, ms). */
export function fromCloudWatchUnits(signal: CloudWatchSignal["signal"], value: number): number {
  if (signal === "p95LatencyMs") return value * 1000;
  if (signal === "memory" || signal === "cpu") return value / 100;
  return value;
}
