import { type AwsStage, ConfigError, type StageConfig } from "../config";

/** The `aws` block of an aws stage; the schema guarantees it, this narrows the type. */
export function awsSettings(cfg: StageConfig): AwsStage {
  if (!cfg.aws) {
    throw new ConfigError(`stage ${cfg.stage}`, [
      { path: "aws", message: "platform is aws but there is no aws block; add ion-deploy:aws" },
    ]);
  }
  return cfg.aws;
}

/** The bounds an ALB target group puts on its unhealthy threshold. */
const TARGET_GROUP_UNHEALTHY = { min: 2, max: 10 } as const;

/**
 * Failed health checks in a row before the ALB takes a target out: the roll-back rule's
 * `thresholds.health.rollbackAfterFailures` when the stage has one, so the ALB and the runner
 * count the same failures.
 */
export function unhealthyThreshold(cfg: StageConfig): number {
  return cfg.thresholds.health?.rollbackAfterFailures ?? awsSettings(cfg).alb.healthCheck.unhealthyThreshold;
}

/**
 * Checks that cross the AWS block and the rest of the stage config, which only an AWS stage
 * makes: rejected before any resource is declared, naming the key.
 */
export function checkAwsStage(cfg: StageConfig): void {
  const issues: { path: string; message: string }[] = [];
  const { stable, canary } = cfg.releases;
  if (stable.name === canary.name) {
    issues.push({
      path: "releases.canary.name",
      message: `on aws each release is its own ECS service and target group, so the names must differ; both are "${stable.name}"`,
    });
  }
  const health = cfg.thresholds.health?.rollbackAfterFailures;
  if (health !== undefined && (health < TARGET_GROUP_UNHEALTHY.min || health > TARGET_GROUP_UNHEALTHY.max)) {
    issues.push({
      path: "thresholds.health.rollbackAfterFailures",
      message: `the ALB target group's unhealthy threshold takes ${TARGET_GROUP_UNHEALTHY.min}-${TARGET_GROUP_UNHEALTHY.max} failed checks; got ${health}`,
    });
  }
  if (cfg.notifications.slackChannel !== undefined) {
    issues.push({
      path: "notifications.slackChannel",
      message:
        "an aws stage notifies through SNS; subscribe a Slack webhook or AWS Chatbot with ion-deploy:aws.alarms.subscriptions instead",
    });
  }
  const store = cfg.rollout.store;
  const region = awsSettings(cfg).region;
  if (store.kind === "s3" && store.region !== undefined && store.region !== region) {
    issues.push({
      path: "rollout.store.region",
      message: `the stack creates the store's bucket in the stage's region ${region}; got ${store.region}: remove rollout.store.region or set it to ${region}`,
    });
  }
  if (issues.length > 0) throw new ConfigError(`stage ${cfg.stage}`, issues);
}
