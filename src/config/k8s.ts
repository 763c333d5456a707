import { z } from "zod";

/**
 * Optional Kubernetes monitoring objects: the roll-back rules as Google Managed Service for
 * Prometheus `GlobalRules` (evaluated by the managed rule-evaluator against Cloud Monitoring, where
 * Cloud Run's `run_googleapis_com:*` series live) and a Grafana dashboard ConfigMap. GCP stages only.
 */
export const K8sMonitoringSchema = z
  .object({
    enabled: z.boolean().default(true),
    kubeconfig: z.string().optional(),
    context: z.string().optional(),
    /** Where the dashboard ConfigMap goes (GlobalRules are cluster-scoped: no namespace). */
    namespace: z.string().min(1).default("monitoring"),
    /** Label the Grafana sidecar watches for dashboards. */
    dashboardLabel: z.string().min(1).default("grafana_dashboard"),
    /** Extra labels on the GlobalRules object (the managed rule-evaluator selects none). */
    ruleLabels: z.record(z.string(), z.string()).default({}),
    /**
     * Uid of the Grafana Prometheus data source that queries Cloud Monitoring (Managed Service for
     * Prometheus, kept authorised by Google's data source syncer): the dashboard's default source.
     */
    grafanaDatasource: z.string().min(1).default("managed-prometheus"),
  })
  .strict();

export type K8sMonitoring = z.infer<typeof K8sMonitoringSchema>;
