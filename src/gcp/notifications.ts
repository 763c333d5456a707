import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, ConfigError, type SecretKey, type StageConfig } from "../config";
import { gcpSettings } from "../config/gcp-settings";
import { stageSecret } from "../config/pulumi";
import { STAGE_LABEL } from "../config/stage-labels";

export interface NotificationChannelsArgs {
  config: StageConfig;
}

/** A secret config key's value, or a config error that says how to set it. */
function requiredSecret(cfg: StageConfig, key: SecretKey, why: string): pulumi.Output<string> {
  const value = stageSecret(key);
  if (value === undefined) {
    throw new ConfigError(`stage ${cfg.stage}`, [
      {
        path: key,
        message: `${why}, but the secret is not set; run \`pulumi config set --secret ${CONFIG_NAMESPACE}:${key} <value> --stack ${cfg.stage}\``,
      },
    ]);
  }
  return value;
}

/** Where roll-back alerts go: one email channel per address, Slack and PagerDuty when configured. */
export class NotificationChannels extends pulumi.ComponentResource {
  readonly channels: gcp.monitoring.NotificationChannel[] = [];
  /** Full resource names (`projects/…/notificationChannels/…`) for alert policies. */
  readonly names: pulumi.Output<string>[];

  constructor(name: string, args: NotificationChannelsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:gcp:NotificationChannels", name, {}, opts);
    const cfg = args.config;
    const { project } = gcpSettings(cfg);
    const notifications = cfg.notifications;
    const userLabels = { [STAGE_LABEL]: cfg.stage };
    const channel = (suffix: string, channelArgs: Omit<gcp.monitoring.NotificationChannelArgs, "project">) =>
      this.channels.push(
        new gcp.monitoring.NotificationChannel(
          `${name}-${suffix}`,
          { project, userLabels, ...channelArgs },
          { parent: this },
        ),
      );

    notifications.emails.forEach((address, index) => {
      channel(`email-${index}`, {
        type: "email",
        displayName: `${cfg.service.name} ${cfg.stage} on-call: ${address}`,
        labels: { email_address: address },
      });
    });
    if (notifications.slackChannel !== undefined) {
      channel("slack", {
        type: "slack",
        displayName: `${cfg.service.name} ${cfg.stage} Slack ${notifications.slackChannel}`,
        labels: { channel_name: notifications.slackChannel },
        sensitiveLabels: {
          authToken: requiredSecret(cfg, "slackAuthToken", `notifications.slackChannel is set`),
        },
      });
    }
    if (notifications.pagerduty) {
      channel("pagerduty", {
        type: "pagerduty",
        displayName: `${cfg.service.name} ${cfg.stage} PagerDuty`,
        sensitiveLabels: {
          serviceKey: requiredSecret(cfg, "pagerdutyServiceKey", "notifications.pagerduty is true"),
        },
      });
    }
    this.names = this.channels.map((declared) => declared.name);
    this.registerOutputs({ names: this.names });
  }
}
