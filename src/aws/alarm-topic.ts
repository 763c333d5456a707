import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StageConfig } from "../config";
import { stageSecret } from "../config/pulumi";
import { awsSettings } from "./settings";

export interface AlarmTopicArgs {
  /** Reads `notifications.emails`, `notifications.pagerduty` and `aws.alarms.subscriptions`. */
  config: StageConfig;
  kmsKeyArn: pulumi.Input<string>;
}

/**
 * The SNS topic every roll-back alarm notifies, encrypted with the stage key, with one subscription
 * per configured email, per `aws.alarms.subscriptions` entry, and PagerDuty's CloudWatch
 * integration when `notifications.pagerduty` is on (its key stays secret).
 */
export class AlarmTopic extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;

  constructor(name: string, args: AlarmTopicArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:aws:AlarmTopic", name, {}, opts);
    const cfg = args.config;
    const child = { parent: this };
    this.topic = new aws.sns.Topic(
      name,
      { displayName: `ion-deploy ${cfg.stage} roll-back alarms`, kmsMasterKeyId: args.kmsKeyArn },
      child,
    );
    const subscribe = (id: string, protocol: string, endpoint: pulumi.Input<string>) =>
      new aws.sns.TopicSubscription(`${name}-${id}`, { topic: this.topic.arn, protocol, endpoint }, child);

    cfg.notifications.emails.forEach((email, index) => {
      subscribe(`email-${index + 1}`, "email", email);
    });
    awsSettings(cfg).alarms.subscriptions.forEach((subscription, index) => {
      subscribe(`${subscription.protocol}-${index + 1}`, subscription.protocol, subscription.endpoint);
    });
    if (cfg.notifications.pagerduty) {
      const key = stageSecret("pagerdutyServiceKey");
      if (!key) {
        throw new Error(
          "notifications.pagerduty is on but the secret ion-deploy:pagerdutyServiceKey is not set; run `pulumi config set --secret ion-deploy:pagerdutyServiceKey <key>`",
        );
      }
      subscribe(
        "pagerduty",
        "https",
        pulumi.interpolate`https://events.pagerduty.com/integration/${key}/enqueue`,
      );
    }
    this.registerOutputs({ topicArn: this.topic.arn });
  }
}
