import { fromCloudWatchUnits } from "../../src/signals/cloudwatch";
import type { RollbackSignal } from "../../src/signals/rules";
import { isOneOf, TYPES } from "../types";
import { durationSeconds } from "./durations";
import { list, num, type Props, record, records, text } from "./props";

/** One alerting condition a stack declares (GCP condition, CloudWatch alarm, Prometheus alert rule). */
export interface AlertReading {
  /** Which condition of the resource, for messages (`condition 1`, `rule IonApiErrorRateRollback`). */
  where: string;
  /** The roll-back signal it watches, read from its query or metric; undefined: not a roll-back signal. */
  signal?: RollbackSignal;
  /** `>` / `>=` for a limit the signal must stay under; anything else cannot be a roll-back alert. */
  comparison?: string;
  /** The limit in the stage config's units (ratio, ms), converted from the platform's. */
  threshold?: number;
  /** The limit as the resource writes it, for messages. */
  declared: string;
  /**
   * How long a breach must be observed before it fires, comparable across platforms: a PromQL
   * `for`/`duration` plus the evaluation that first saw the breach; CloudWatch periods x period.
   */
  forSeconds?: number;
  /** The duration as the resource writes it, for messages. */
  declaredFor?: string;
  /** Notification targets; undefined where the platform routes elsewhere (Alertmanager). */
  channels?: number;
}

/** The `ion-signal` label values the stacks use, as a fallback when the query does not say. */
const SIGNAL_LABELS: Record<string, RollbackSignal> = {
  "error-rate": "errorRate",
  "p95-latency": "p95LatencyMs",
  memory: "memory",
  cpu: "cpu",
  errorRate: "errorRate",
  p95LatencyMs: "p95LatencyMs",
};

/**
 * The signal a PromQL query (or a Cloud Monitoring filter) watches, from the metric names in it:
 * what the alert really evaluates, whatever its labels claim.
 */
export function signalOfQuery(query: string): RollbackSignal | undefined {
  if (/latenc|duration_seconds|response_time/i.test(query)) return "p95LatencyMs";
  if (/memory/i.test(query)) return "memory";
  if (/cpu/i.test(query)) return "cpu";
  if (/5xx|code(_class)?=~?"5/i.test(query)) return "errorRate";
  return undefined;
}

/** Latency queries over `_seconds` metrics compare seconds; the config's limit is in ms. */
function queryUnitsToConfig(signal: RollbackSignal | undefined, query: string, value: number): number {
  return signal === "p95LatencyMs" && /_seconds/.test(query) ? value * 1000 : value;
}

const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const TRAILING_COMPARISON = new RegExp(String.raw`(>=|>|<=|<|==|!=)\s*(?:bool\s+)?(${NUMBER})\s*$`);

/** `<query> > 0.01` → `{ query, comparison: ">", value: 0.01 }`; undefined without a trailing limit. */
export function splitPromQlThreshold(
  expr: string,
): { query: string; comparison: string; value: number } | undefined {
  const match = TRAILING_COMPARISON.exec(expr.trim());
  if (!match) return undefined;
  return {
    query: expr.trim().slice(0, match.index).trim(),
    comparison: match[1] as string,
    value: Number(match[2]),
  };
}

/** Prometheus's default evaluation interval, and Cloud Monitoring's for PromQL conditions. */
const PROMETHEUS_DEFAULT_INTERVAL = 60;
const CLOUD_MONITORING_DEFAULT_INTERVAL = 30;

/** `for` counts from the first evaluation that saw the breach, so the breach lasts one interval more. */
function breachSeconds(duration: unknown, interval: unknown, defaultInterval: number) {
  const forSeconds = durationSeconds(duration ?? "0s");
  const every = durationSeconds(interval) ?? defaultInterval;
  return {
    forSeconds: forSeconds === undefined ? undefined : forSeconds + every,
    declaredFor: `for ${String(duration ?? "0s")}, evaluated every ${every} s`,
  };
}

function fromPromQl(
  where: string,
  expr: string,
  labelSignal: string | undefined,
  breach: { forSeconds?: number; declaredFor?: string },
) {
  const split = splitPromQlThreshold(expr);
  const signal =
    signalOfQuery(split?.query ?? expr) ?? (labelSignal ? SIGNAL_LABELS[labelSignal] : undefined);
  return {
    where,
    signal,
    comparison: split?.comparison,
    threshold: split ? queryUnitsToConfig(signal, split.query, split.value) : undefined,
    declared: split ? `${split.comparison} ${split.value}` : "no trailing `> <limit>`",
    ...breach,
  };
}

const GCP_COMPARISONS: Record<string, string> = {
  COMPARISON_GT: ">",
  COMPARISON_GE: ">=",
  COMPARISON_LT: "<",
  COMPARISON_LE: "<=",
  COMPARISON_EQ: "==",
  COMPARISON_NE: "!=",
};

function gcpAlertPolicy(props: Props): AlertReading[] {
  const labelSignal = text(record(props.userLabels)["ion-signal"]);
  const channels = list(props.notificationChannels).length;
  return records(props.conditions).flatMap((condition, index): AlertReading[] => {
    const where = `condition ${index + 1}${condition.displayName ? ` (${String(condition.displayName)})` : ""}`;
    const promql = record(condition.conditionPrometheusQueryLanguage);
    const query = text(promql.query);
    if (query !== undefined) {
      const breach = breachSeconds(
        promql.duration,
        promql.evaluationInterval,
        CLOUD_MONITORING_DEFAULT_INTERVAL,
      );
      return [{ ...fromPromQl(where, query, labelSignal, breach), channels }];
    }
    const threshold = record(condition.conditionThreshold);
    const filter = text(threshold.filter);
    if (filter !== undefined) {
      const value = num(threshold.thresholdValue);
      const comparison = GCP_COMPARISONS[text(threshold.comparison) ?? ""];
      return [
        {
          where,
          signal: signalOfQuery(filter) ?? (labelSignal ? SIGNAL_LABELS[labelSignal] : undefined),
          comparison,
          threshold: value,
          declared: `${comparison ?? String(threshold.comparison)} ${String(value)}`,
          // Threshold conditions align data per period and fire once `duration` has been breached.
          forSeconds: durationSeconds(threshold.duration ?? "0s"),
          declaredFor: `duration ${String(threshold.duration ?? "0s")}`,
          channels,
        },
      ];
    }
    return [];
  });
}

const CLOUDWATCH_COMPARISONS: Record<string, string> = {
  GreaterThanThreshold: ">",
  GreaterThanOrEqualToThreshold: ">=",
  LessThanThreshold: "<",
  LessThanOrEqualToThreshold: "<=",
};

/** The CloudWatch metrics an alarm reads: a single metric, or every metric of its metric math. */
function alarmMetrics(props: Props): { names: string[]; period?: number } {
  const queries = records(props.metricQueries);
  const names = [text(props.metricName), ...queries.map((query) => text(record(query.metric).metricName))];
  const periods = [
    num(props.period),
    ...queries.map((query) => num(record(query.metric).period) ?? num(query.period)),
  ];
  return {
    names: names.filter((name): name is string => name !== undefined),
    period: periods.find((period) => period !== undefined),
  };
}

/** Which roll-back signal an alarm's metrics measure, in the way `src/signals/cloudwatch.ts` builds them. */
function signalOfAlarm(names: string[]): RollbackSignal | undefined {
  if (names.includes("TargetResponseTime")) return "p95LatencyMs";
  if (names.includes("MemoryUtilization")) return "memory";
  if (names.includes("CPUUtilization")) return "cpu";
  // A 5xx count alone is not a rate: it needs the request count to divide by.
  if (names.some((name) => /5XX/.test(name)) && names.includes("RequestCount")) return "errorRate";
  return undefined;
}

function cloudWatchAlarm(props: Props): AlertReading[] {
  const { names, period } = alarmMetrics(props);
  const signal = signalOfAlarm(names);
  const raw = num(props.threshold);
  const periods = num(props.datapointsToAlarm) ?? num(props.evaluationPeriods);
  const comparison = CLOUDWATCH_COMPARISONS[text(props.comparisonOperator) ?? ""];
  return [
    {
      where: `alarm on ${names.join(", ") || "no metric"}`,
      signal,
      comparison,
      threshold: raw !== undefined && signal ? fromCloudWatchUnits(signal, raw) : raw,
      declared: `${String(props.comparisonOperator)} ${String(raw)}${signal === "p95LatencyMs" ? " s" : signal === "memory" || signal === "cpu" ? " %" : ""}`,
      forSeconds: period !== undefined && periods !== undefined ? period * periods : undefined,
      declaredFor: `${String(periods)} period(s) of ${String(period)} s`,
      channels: list(props.alarmActions).length,
    },
  ];
}

/** A PrometheusRule or a Managed Prometheus Rules / ClusterRules / GlobalRules: the same `spec.groups`. */
function ruleGroups(props: Props): AlertReading[] {
  return records(record(props.spec).groups).flatMap((group) =>
    records(group.rules)
      .filter((rule) => text(rule.alert) !== undefined)
      .map((rule) => {
        const labels = record(rule.labels);
        const labelSignal = text(labels["ion-signal"]) ?? text(labels.signal);
        return fromPromQl(
          `rule ${String(rule.alert)}`,
          text(rule.expr) ?? "",
          labelSignal,
          breachSeconds(rule.for, group.interval, PROMETHEUS_DEFAULT_INTERVAL),
        );
      }),
  );
}

/** Every alerting condition of a resource, or [] when it is not an alert. */
export function readAlerts(type: string, props: Props): AlertReading[] {
  switch (type) {
    case TYPES.alertPolicy:
      return gcpAlertPolicy(props);
    case TYPES.metricAlarm:
      return cloudWatchAlarm(props);
    default:
      return isOneOf(type, RULE_GROUP_TYPES) ? ruleGroups(props) : [];
  }
}

const RULE_GROUP_TYPES: readonly string[] = [TYPES.prometheusRule, ...TYPES.managedPrometheusRules];

export const ALERT_TYPES: readonly string[] = [TYPES.alertPolicy, TYPES.metricAlarm, ...RULE_GROUP_TYPES];
