import type { PolicyResource } from "@pulumi/policy";
import { SIGNAL_TITLES } from "../src/signals/rules";
import { NoSettingsSchema, RequiredSignalsConfigSchema } from "./config";
import { type IonPolicy, ofType, stackPolicy } from "./define";
import { ALERT_TYPES, readAlerts } from "./readers/alerts";
import { record, strings } from "./readers/props";
import { forStage, stageOf } from "./readers/stage";
import { TYPES } from "./types";

/** Coverage policies: rules across resources, that every thing worth watching is watched. */

/** The workloads a roll-back protects: the stage is "serving" only if it declares one. */
const WORKLOAD_TYPES = [TYPES.cloudRunService, TYPES.ecsService];

export const rollbackSignalsHaveAlerts = stackPolicy(
  {
    name: "rollback-signals-have-alerts",
    description:
      "A stack that serves a workload (Cloud Run or ECS service) declares an alert for every roll-back signal its stage requires (prod: error rate, P95 latency, memory; staging: also CPU).",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
      "Give the stage a roll-back limit for the signal (ion-deploy:thresholds.<signal>.rollbackAbove); the stack declares one alert per roll-back limit.",
    settings: RequiredSignalsConfigSchema,
  },
  (resources, settings, report, args) => {
    const workloads = ofType(resources, WORKLOAD_TYPES);
    const first = workloads[0];
    if (!first) args.notApplicable("the stack declares no Cloud Run or ECS service");
    const declaredStage = workloads
      .map((workload) => stageOf(workload.props, args.stackTags, workload.provider))
      .find((stage) => stage !== undefined);
    const {
      stage,
      value: required,
      fallback,
    } = forStage(settings.stages, declaredStage, settings.defaultStage);
    const covered = new Set(
      ofType(resources, ALERT_TYPES).flatMap((alert) =>
        readAlerts(alert.type, alert.props)
          .filter((reading) => reading.comparison === ">" || reading.comparison === ">=")
          .map((reading) => reading.signal),
      ),
    );
    for (const signal of required ?? []) {
      if (covered.has(signal)) continue;
      report(
        `stage ${stage}${fallback ? " (no ion-stage label or stack tag: the default stage's list applies)" : ""} serves traffic but declares no alert on ${SIGNAL_TITLES[signal]}, a roll-back signal the organisation requires, so a breach would go unnoticed. Fix: set ion-deploy:thresholds.${signal}.rollbackAbove in Pulumi.${stage}.yaml (the stack declares an alert per roll-back limit), or remove ${signal} from rollback-signals-have-alerts.stages.${stage} in the policy config.`,
        first,
      );
    }
  },
);

/** Whether an alarm reads a target group's metrics (its dimensions name the group). */
function watches(alarm: PolicyResource, group: PolicyResource): boolean {
  if (alarm.dependencies.includes(group)) return true;
  if (Object.values(alarm.propertyDependencies).some((deps) => deps.includes(group))) return true;
  // Without dependency data (some engines' previews), compare the dimension values with the group's.
  const references = new Set(
    [record(alarm.props).dimensions, record(alarm.props).metricQueries].flatMap(strings),
  );
  return [group.props.arnSuffix, group.props.arn].some(
    (value) => typeof value === "string" && references.has(value),
  );
}

export const targetGroupsHaveAlarms = stackPolicy(
  {
    name: "target-groups-have-alarms",
    description:
      "Every ALB target group has at least one CloudWatch alarm on its metrics, so each side of a blue/green split is watched.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      "Declare the roll-back alarms (cloudWatchSignals in src/signals) for every target group the listener forwards to.",
    settings: NoSettingsSchema,
  },
  (resources, _settings, report, args) => {
    const groups = ofType(resources, TYPES.targetGroup);
    if (groups.length === 0) args.notApplicable("the stack declares no target group");
    const alarms = ofType(resources, TYPES.metricAlarm);
    for (const group of groups) {
      if (alarms.some((alarm) => watches(alarm, group))) continue;
      report(
        `no CloudWatch alarm has this target group in its dimensions, so its 5xx rate, latency and health go unwatched. Fix: declare the roll-back alarms for it (dimensions { TargetGroup: <group>.arnSuffix, LoadBalancer: <lb>.arnSuffix }), as for the stack's other target groups.`,
        group,
      );
    }
  },
);

export const coveragePolicies: IonPolicy[] = [rollbackSignalsHaveAlerts, targetGroupsHaveAlarms];
