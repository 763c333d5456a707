import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { StageConfig } from "../config";
import { gcpSettings } from "../config/gcp-settings";
import { SIGNAL_LABEL, STAGE_LABEL } from "../config/stage-labels";
import { type RollbackSignal, rollbackRules, SIGNAL_TITLES } from "../signals";
import { evaluationIntervalSeconds } from "./traffic";

export interface RollbackAlertPoliciesArgs {
  config: StageConfig;
  /** Notification channel resource names every policy notifies. */
  notificationChannels: pulumi.Input<string>[];
}

/** The `ion-signal` label value per signal; the policy pack keys on it. */
export const SIGNAL_LABEL_VALUES: Record<RollbackSignal, string> = {
  errorRate: "error-rate",
  p95LatencyMs: "p95-latency",
  memory: "memory",
  cpu: "cpu",
};

/**
 * One Cloud Monitoring alert policy per roll-back rule of the signals module: the same PromQL and
 * threshold the runner checks, firing after the same sustained duration.
 */
export class RollbackAlertPolicies extends pulumi.ComponentResource {
  readonly policies: gcp.monitoring.AlertPolicy[];

  constructor(name: string, args: RollbackAlertPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:gcp:RollbackAlertPolicies", name, {}, opts);
    const cfg = args.config;
    const { project } = gcpSettings(cfg);
    const ruleGroup = `${cfg.service.name}-${cfg.stage}-rollback`;
    const evaluationInterval = `${evaluationIntervalSeconds(cfg.rollout.checkIntervalSeconds)}s`;

    this.policies = rollbackRules(cfg).map(
      (rule) =>
        new gcp.monitoring.AlertPolicy(
          `${name}-${SIGNAL_LABEL_VALUES[rule.signal]}`,
          {
            project,
            displayName: rule.summary,
            combiner: "OR",
            severity: "CRITICAL",
            conditions: [
              {
                displayName: `${SIGNAL_TITLES[rule.signal]} above roll-back limit`,
                conditionPrometheusQueryLanguage: {
                  query: rule.expr,
                  duration: `${rule.forSeconds}s`,
                  evaluationInterval,
                  alertRule: rule.alert,
                  ruleGroup,
                },
              },
            ],
            documentation: { content: rule.runbook, mimeType: "text/markdown", subject: rule.summary },
            notificationChannels: args.notificationChannels,
            userLabels: { [SIGNAL_LABEL]: SIGNAL_LABEL_VALUES[rule.signal], [STAGE_LABEL]: cfg.stage },
          },
          { parent: this },
        ),
    );
    this.registerOutputs({ policies: this.policies.map((policy) => policy.name) });
  }
}
