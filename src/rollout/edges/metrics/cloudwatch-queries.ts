import type { MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import type { StageConfig } from "../../../config";
import {
  type CloudWatchDimensions,
  type CloudWatchMetricQuery,
  type CloudWatchSignal,
  cloudWatchSignals,
  escapeRegex,
  type Side,
} from "../../../signals";

/**
 * The signals the runner samples from CloudWatch. The error rate is left out on purpose: the
 * analysis derives it from `requests` and `errors` with its confidence bound, and leaving it out
 * keeps the ids of one side unique (it reuses `requests` and `errors5xx`).
 */
export const CLOUDWATCH_SAMPLED: readonly CloudWatchSignal["signal"][] = [
  "requests",
  "errors",
  "p95LatencyMs",
  "memory",
  "cpu",
  "health",
];

/** Where a returned series belongs. */
export interface ReturnedSeries {
  side: Side;
  signal: CloudWatchSignal["signal"];
}

export interface SampleQueries {
  /** One GetMetricData request's queries for both sides. */
  queries: MetricDataQuery[];
  /** Prefixed id of each returned series → side and signal. */
  returned: Map<string, ReturnedSeries>;
  /** Readable form of each signal's queries, per side. */
  text: { side: Side; signal: CloudWatchSignal["signal"]; text: string }[];
  periodSeconds: number;
}

/** `FILL(errors5xx, 0)` → `FILL(canary_errors5xx, 0)`: ids are per request, so each side gets a prefix. */
export function prefixIds(expression: string, ids: string[], prefix: string): string {
  if (ids.length === 0) return expression;
  const pattern = new RegExp(`\\b(${ids.map(escapeRegex).join("|")})\\b`, "g");
  return expression.replace(pattern, (id) => `${prefix}${id}`);
}

function describe(query: CloudWatchMetricQuery, id: string, period: number): string {
  if (query.expression !== undefined) return `${id} = ${query.expression}`;
  const metric = query.metric;
  if (!metric) return id;
  const dims = Object.entries(metric.dimensions)
    .map(([name, value]) => `${name}=${value}`)
    .join(",");
  return `${id} = ${metric.namespace} ${metric.metricName} ${metric.stat} per ${period}s {${dims}}`;
}

/** Builds the queries of one sample from the signals module, ids prefixed `canary_` / `stable_`. */
export function sampleQueries(
  cfg: StageConfig,
  dimensions: Record<Side, CloudWatchDimensions>,
): SampleQueries {
  const queries: MetricDataQuery[] = [];
  const returned = new Map<string, ReturnedSeries>();
  const text: SampleQueries["text"] = [];
  let periodSeconds = 60;
  for (const side of ["canary", "stable"] as const) {
    const prefix = `${side}_`;
    for (const signal of cloudWatchSignals(cfg, dimensions[side])) {
      if (!CLOUDWATCH_SAMPLED.includes(signal.signal)) continue;
      periodSeconds = signal.periodSeconds;
      const ids = signal.queries.map((query) => query.id);
      const lines: string[] = [];
      for (const query of signal.queries) {
        const id = `${prefix}${query.id}`;
        if (queries.some((existing) => existing.Id === id)) {
          throw new Error(
            `CloudWatch query id ${id} is used twice in one sample; the signals module must keep ids unique per side`,
          );
        }
        const base = { Id: id, ReturnData: query.returnData, ...(query.label ? { Label: query.label } : {}) };
        if (query.expression !== undefined) {
          const expression = prefixIds(query.expression, ids, prefix);
          queries.push({ ...base, Expression: expression });
          lines.push(describe({ ...query, expression }, id, signal.periodSeconds));
        } else if (query.metric) {
          queries.push({
            ...base,
            MetricStat: {
              Metric: {
                Namespace: query.metric.namespace,
                MetricName: query.metric.metricName,
                Dimensions: Object.entries(query.metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
              },
              Period: signal.periodSeconds,
              Stat: query.metric.stat,
            },
          });
          lines.push(describe(query, id, signal.periodSeconds));
        }
        if (query.returnData) returned.set(id, { side, signal: signal.signal });
      }
      text.push({ side, signal: signal.signal, text: lines.join("; ") });
    }
  }
  return { queries, returned, text, periodSeconds };
}
