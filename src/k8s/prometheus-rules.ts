import type { StageConfig } from "../config";
import { rollbackRules } from "../signals";

/** One Prometheus alerting rule, as a rules file and the Managed Prometheus GlobalRules CRD both spell it. */
export interface PrometheusAlertRule {
  alert: string;
  expr: string;
  /** Prometheus duration, e.g. `120s`. */
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PrometheusRuleGroup {
  name: string;
  /** Evaluated every check interval, so `for:` counts the runner's checks. */
  interval: string;
  rules: PrometheusAlertRule[];
}

/** Every roll-back alert routes as critical: it means a release is being (or must be) reverted. */
export const ROLLBACK_SEVERITY = "critical";

/** Same group name as the GCP alert policies' `ruleGroup`, so both places read alike. */
export function ruleGroupName(cfg: StageConfig): string {
  return `${cfg.service.name}-${cfg.stage}-rollback`;
}

/**
 * The stage's roll-back alerts as one Prometheus rule group, straight from `rollbackRules`: the same
 * expressions, limits and sustained durations as the GCP alert policies and the runner's checks.
 * Used for the GlobalRules object and for the rules file promtool verifies.
 */
export function ruleGroups(cfg: StageConfig): PrometheusRuleGroup[] {
  return [
    {
      name: ruleGroupName(cfg),
      interval: `${cfg.rollout.checkIntervalSeconds}s`,
      rules: rollbackRules(cfg).map((rule) => ({
        alert: rule.alert,
        expr: rule.expr,
        for: `${rule.forSeconds}s`,
        labels: {
          severity: ROLLBACK_SEVERITY,
          signal: rule.signal,
          stage: cfg.stage,
          service: cfg.service.name,
        },
        annotations: {
          summary: rule.summary,
          runbook: rule.runbook,
          threshold: String(rule.threshold),
          consecutive_checks: String(rule.consecutiveChecks),
        },
      })),
    },
  ];
}
