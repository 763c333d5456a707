import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StageConfig } from "../config";
import { SIGNAL_LABEL, STAGE_LABEL } from "../config/stage-labels";
import {
  type CloudWatchDimensions,
  type CloudWatchSignal,
  cloudWatchSignals,
  cloudWatchStageSignals,
} from "../signals";
import { ROLE_TAG, SIDE_TAG } from "./tags";
import type { ReleaseSide } from "./traffic";

/** The signals that have a roll-back limit, and the `ion-signal` tag of each (the policy pack keys on it). */
export const ALARM_SIGNAL_TAGS: Partial<Record<CloudWatchSignal["signal"], string>> = {
  errorRate: "error-rate",
  p95LatencyMs: "p95-latency",
  memory: "memory",
  cpu: "cpu",
  health: "health",
};

/** The `ion-signal` tag of the stage-wide alarm on the load balancer's own 5xx. */
export const LOAD_BALANCER_ERROR_TAG = "lb-error-rate";

/** Request-driven metrics have no data when no request arrives: that is not a breach. */
const QUIET_WHEN_IDLE: CloudWatchSignal["signal"][] = [
  "errorRate",
  "loadBalancerErrorRate",
  "p95LatencyMs",
  "health",
];

export interface AlarmedSide {
  side: ReleaseSide;
  dimensions: CloudWatchDimensions<pulumi.Input<string>>;
}

export interface RollbackAlarmsArgs {
  /** The thresholds (through `cloudWatchSignals`) and the check interval. */
  config: StageConfig;
  /** Each release with its ALB / target group / ECS dimensions. */
  sides: AlarmedSide[];
  topicArn: pulumi.Input<string>;
}

/**
 * One CloudWatch alarm per release and per roll-back signal, built only from `cloudWatchSignals`:
 * the same metric queries and limits (in CloudWatch's units) the runner reads with GetMetricData,
 * plus one stage-wide alarm on the load balancer's own 5xx (`cloudWatchStageSignals`), which no
 * target group can be charged with. Alarm and recovery both notify the topic.
 */
export class RollbackAlarms extends pulumi.ComponentResource {
  readonly alarms: aws.cloudwatch.MetricAlarm[] = [];

  constructor(name: string, args: RollbackAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:aws:RollbackAlarms", name, {}, opts);
    const cfg = args.config;
    for (const { side, dimensions } of args.sides) {
      for (const signal of cloudWatchSignals(cfg, dimensions)) {
        const tag = ALARM_SIGNAL_TAGS[signal.signal];
        if (!tag || signal.threshold === undefined) continue;
        this.declare(`${name}-${side.release.name}-${tag}`, args, signal, {
          description: `${cfg.service.name} ${cfg.stage}: ${tag} of release ${side.release.name} (${side.role}) past its roll-back limit`,
          tags: { [SIGNAL_LABEL]: tag, [SIDE_TAG]: side.release.name, [ROLE_TAG]: side.role },
        });
      }
    }
    const loadBalancer = args.sides[0]?.dimensions.loadBalancer;
    for (const signal of loadBalancer === undefined ? [] : cloudWatchStageSignals(cfg, loadBalancer)) {
      if (signal.threshold === undefined) continue;
      this.declare(`${name}-${LOAD_BALANCER_ERROR_TAG}`, args, signal, {
        description: `${cfg.service.name} ${cfg.stage}: 5xx answered by the load balancer itself (crashed or timed-out targets) past the error-rate roll-back limit`,
        tags: { [SIGNAL_LABEL]: LOAD_BALANCER_ERROR_TAG },
      });
    }
    this.registerOutputs({ alarmArns: this.alarms.map((alarm) => alarm.arn) });
  }

  private declare(
    name: string,
    args: RollbackAlarmsArgs,
    signal: CloudWatchSignal<pulumi.Input<string>>,
    what: { description: string; tags: Record<string, string> },
  ): void {
    this.alarms.push(
      new aws.cloudwatch.MetricAlarm(
        name,
        {
          alarmDescription: what.description,
          comparisonOperator: signal.comparison,
          threshold: signal.threshold,
          evaluationPeriods: signal.evaluationPeriods,
          datapointsToAlarm: signal.evaluationPeriods,
          metricQueries: signal.queries.map((query) => ({
            id: query.id,
            expression: query.expression,
            label: query.label,
            returnData: query.returnData,
            metric: query.metric && {
              namespace: query.metric.namespace,
              metricName: query.metric.metricName,
              dimensions: query.metric.dimensions,
              stat: query.metric.stat,
              period: signal.periodSeconds,
            },
          })),
          treatMissingData: QUIET_WHEN_IDLE.includes(signal.signal) ? "notBreaching" : "missing",
          alarmActions: [args.topicArn],
          okActions: [args.topicArn],
          tags: { ...what.tags, [STAGE_LABEL]: args.config.stage },
        },
        { parent: this },
      ),
    );
  }
}
