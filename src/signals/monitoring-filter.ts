import type { Labels } from "./selectors";

/**
 * Cloud Monitoring's own names for the Cloud Run metrics the runner counts, read through the
 * Monitoring API (`projects.timeSeries.list`): both are DELTA metrics, request_count INT64 and
 * request_latencies a DISTRIBUTION in milliseconds (docs/cloud-edges.md).
 */
export const CLOUD_RUN_DELTA_METRICS = {
  requestCount: "run.googleapis.com/request_count",
  requestLatencies: "run.googleapis.com/request_latencies",
} as const;

function quoted(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * A monitoring filter for one metric type over the same labels the PromQL selectors use
 * (`sideLabels`): `monitored_resource` is the resource type, the rest are resource labels
 * (service_name, revision_name are labels of the cloud_run_revision resource).
 */
export function monitoringFilter(metricType: string, labels: Labels): string {
  const clauses = [`metric.type = ${quoted(metricType)}`];
  for (const [name, value] of Object.entries(labels)) {
    const field = name === "monitored_resource" ? "resource.type" : `resource.labels.${name}`;
    clauses.push(
      value.startsWith("~")
        ? `${field} = monitoring.regex.full_match(${quoted(value.slice(1))})`
        : `${field} = ${quoted(value)}`,
    );
  }
  return clauses.join(" AND ");
}
