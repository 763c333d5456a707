import type { SignalLimit } from "../src/signals/limits";
import { SIGNAL_TITLES } from "../src/signals/rules";
import { NoSettingsSchema, ThresholdLimitsConfigSchema } from "./config";
import { type IonPolicy, resourcePolicy } from "./define";
import { ALERT_TYPES, type AlertReading, readAlerts } from "./readers/alerts";
import { forStage, stageOf } from "./readers/stage";
import { TYPES } from "./types";

/** Threshold policies: what each alert the stacks declare fires on, and whom it tells. */

/** The config key a stage sets for a signal's roll-back limit (how to fix a stack). */
const CONFIG_KEYS = {
  errorRate: "thresholds.errorRate",
  p95LatencyMs: "thresholds.p95LatencyMs",
  memory: "thresholds.memory",
  cpu: "thresholds.cpu",
} as const;

/** A limit the way people read it: percent for ratios, ms for latency. */
export function formatLimit(signal: keyof typeof CONFIG_KEYS, value: number): string {
  return signal === "p95LatencyMs" ? `${+value.toFixed(3)} ms` : `${+(value * 100).toFixed(4)}%`;
}

function checkReading(
  reading: AlertReading,
  limit: SignalLimit,
  context: { stage: string; fallback: boolean },
): string[] {
  const signal = reading.signal;
  if (signal === undefined) return [];
  const title = SIGNAL_TITLES[signal];
  const key = `ion-deploy:${CONFIG_KEYS[signal]}`;
  const whose = `the organisation's limit for stage ${context.stage}${context.fallback ? " (no ion-stage label or stack tag, so the default stage's limits apply)" : ""}`;
  const relax = `or, if the organisation agrees, raise alert-thresholds-within-org-limits.stages.${context.stage}.${signal} in the policy config`;
  const problems: string[] = [];
  if (reading.comparison !== ">" && reading.comparison !== ">=") {
    problems.push(
      `${reading.where} watches ${title} but compares ${reading.declared}; a roll-back alert must fire when the signal rises above its limit. Fix: write the condition as "<signal query> > <limit>" (CloudWatch: GreaterThanThreshold).`,
    );
    return problems;
  }
  if (reading.threshold === undefined) {
    problems.push(
      `${reading.where} watches ${title} but its limit cannot be read (${reading.declared}). Fix: declare it as "<signal query> > <limit>" so the limit can be checked.`,
    );
  } else if (reading.threshold > limit.rollbackAbove) {
    problems.push(
      `${reading.where} fires on ${title} above ${formatLimit(signal, reading.threshold)} (declared ${reading.declared}), looser than ${whose}: ${formatLimit(signal, limit.rollbackAbove)}. Fix: set ${key}.rollbackAbove to at most ${limit.rollbackAbove} in Pulumi.${context.stage}.yaml, ${relax}.`,
    );
  }
  if (limit.maxForSeconds !== undefined) {
    if (reading.forSeconds === undefined) {
      problems.push(
        `${reading.where} watches ${title} but declares no duration, so how long a breach lasts before it fires cannot be checked against ${whose} (${limit.maxForSeconds} s). Fix: declare the duration explicitly.`,
      );
    } else if (reading.forSeconds > limit.maxForSeconds) {
      problems.push(
        `${reading.where} needs ${reading.forSeconds} s of ${title} breach before it fires (${reading.declaredFor}), longer than ${whose} (${limit.maxForSeconds} s). Fix: lower ${key}.consecutive or .forSeconds (or rollout.checkIntervalSeconds) so the alert fires within ${limit.maxForSeconds} s, ${relax}.`,
      );
    }
  }
  return problems;
}

export const alertThresholdsWithinOrgLimits = resourcePolicy(
  {
    name: "alert-thresholds-within-org-limits",
    description:
      "Every alert on error rate, P95 latency, memory or CPU (GCP alert policy, CloudWatch alarm, PrometheusRule or Managed Prometheus Rules / ClusterRules / GlobalRules) fires no later than the organisation's roll-back limit for its stage: threshold and duration read from the query or alarm itself.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
      "Lower the stage's ion-deploy:thresholds.<signal>.rollbackAbove (or its consecutive/forSeconds) in Pulumi.<stage>.yaml; the alerts are derived from it.",
    settings: ThresholdLimitsConfigSchema,
  },
  ALERT_TYPES,
  (props, settings, report, args) => {
    const {
      stage,
      value: limits,
      fallback,
    } = forStage(settings.stages, stageOf(props, args.stackTags, args.provider), settings.defaultStage);
    for (const reading of readAlerts(args.type, props)) {
      const limit = reading.signal ? limits?.[reading.signal] : undefined;
      if (!limit) continue;
      for (const problem of checkReading(reading, limit, { stage, fallback })) report(problem);
    }
  },
);

export const alertsNotifyAChannel = resourcePolicy(
  {
    name: "alerts-notify-a-channel",
    description:
      "Every GCP alert policy and CloudWatch alarm notifies at least one channel (alert policy notificationChannels, alarm alarmActions): an alert nobody hears does not roll anything back.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      "Set ion-deploy:notifications (emails, slackChannel or pagerduty) for the stage so its alerts are wired to channels.",
    settings: NoSettingsSchema,
  },
  [TYPES.alertPolicy, TYPES.metricAlarm],
  (props, _settings, report, args) => {
    const silent = readAlerts(args.type, props).some((reading) => reading.channels === 0);
    if (!silent) return;
    const field = args.type === TYPES.metricAlarm ? "alarmActions" : "notificationChannels";
    report(
      `${field} is empty, so the alert fires without telling anyone. Fix: add at least one email, Slack or PagerDuty target under ion-deploy:notifications in Pulumi.<stage>.yaml (the stack wires every roll-back alert to them).`,
    );
  },
);

export const thresholdPolicies: IonPolicy[] = [alertThresholdsWithinOrgLimits, alertsNotifyAChannel];
