/**
 * The committed prod stage's roll-back alerts, written out by hand from Pulumi.prod.yaml (ion-api,
 * every revision of the service, one series per revision: the alerts follow whatever revision is
 * deployed, docs/monitoring.md), 60 s checks; error rate and latency for 3 checks in
 * a row, memory for 2): what the GCP alert policies and the Managed Prometheus GlobalRules must declare.
 * The expression's window is the first check, so n checks in a row hold for n - 1 intervals (test/promql
 * proves the alert fires at the runner's last breaching check).
 */
const SIDES = 'monitored_resource="cloud_run_revision",service_name="ion-api"';
const REQUESTS = `run_googleapis_com:request_count{${SIDES}}`;

export const PROD_ALERTS = {
  IonApiErrorRateRollback: {
    signal: "errorRate",
    label: "error-rate",
    expr:
      `(sum by (revision_name) (rate(run_googleapis_com:request_count{${SIDES},response_code_class="5xx"}[60s]))` +
      ` or sum by (revision_name) (rate(${REQUESTS}[60s])) * 0)` +
      ` / sum by (revision_name) (rate(${REQUESTS}[60s])) > 0.01`,
    duration: "120s",
    summary: "ion-api (prod): error rate (5xx / all) above 1% for 3 checks in a row",
  },
  IonApiP95LatencyMsRollback: {
    signal: "p95LatencyMs",
    label: "p95-latency",
    expr: `histogram_quantile(0.95, sum by (revision_name, le) (rate(run_googleapis_com:request_latencies_bucket{${SIDES}}[60s]))) > 500`,
    duration: "120s",
    summary: "ion-api (prod): P95 latency (ms) above 500 ms for 3 checks in a row",
  },
  IonApiMemoryRollback: {
    signal: "memory",
    label: "memory",
    expr: `histogram_quantile(0.95, sum by (revision_name, le) (rate(run_googleapis_com:container_memory_utilizations_bucket{${SIDES}}[60s]))) > 0.85`,
    duration: "60s",
    summary: "ion-api (prod): memory utilisation above 85% for 2 checks in a row",
  },
} as const;
