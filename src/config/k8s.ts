import { z } from "zod";

/** Optional Kubernetes monitoring objects (PrometheusRule, Grafana dashboard ConfigMap). */
export const K8sMonitoringSchema = z
  .object({
    enabled: z.boolean().default(true),
    kubeconfig: z.string().optional(),
    context: z.string().optional(),
    namespace: z.string().min(1).default("monitoring"),
    /** Label the Grafana sidecar watches for dashboards. */
    dashboardLabel: z.string().min(1).default("grafana_dashboard"),
    ruleLabels: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type K8sMonitoring = z.infer<typeof K8sMonitoringSchema>;
