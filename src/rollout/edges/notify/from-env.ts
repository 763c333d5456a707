import { redactDeep, secretValues } from "../../core/text/redact";
import type { Notifier } from "../types";
import { FailSafeNotifier, FanOutNotifier } from "./fail-safe";
import { JsonWebhookNotifier } from "./json-webhook";
import { SlackNotifier } from "./slack";

/** Environment variables the notifiers read; secrets stay in the environment, never in config. */
export const NOTIFY_ENV = {
  slackWebhookUrl: "ION_SLACK_WEBHOOK_URL",
  webhookUrl: "ION_WEBHOOK_URL",
  webhookSecret: "ION_WEBHOOK_SECRET",
} as const;

export interface NotifierFromEnvOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Gives up after the timeout (default `AbortSignal.timeout`); tests fire it on an event. */
  timeoutSignal?: (ms: number) => AbortSignal;
  /** Where a failed notification is reported once; defaults to stderr. */
  log?: (message: string) => void;
}

/**
 * The notifier the runner uses: Slack when `ION_SLACK_WEBHOOK_URL` is set, a generic JSON webhook
 * when `ION_WEBHOOK_URL` is set (signed with `ION_WEBHOOK_SECRET` if present), both, or none (a
 * no-op). Whatever is composed never rejects.
 */
export function notifierFromEnv(
  env: Record<string, string | undefined> = process.env,
  options: NotifierFromEnvOptions = {},
): Notifier & { readonly channels: string[] } {
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const post = { fetch: options.fetch, timeoutMs: options.timeoutMs, timeoutSignal: options.timeoutSignal };
  const notifiers: Notifier[] = [];
  const channels: string[] = [];
  const slack = env[NOTIFY_ENV.slackWebhookUrl]?.trim();
  if (slack) {
    notifiers.push(new FailSafeNotifier("Slack", new SlackNotifier(slack, post), log));
    channels.push("Slack");
  }
  const webhook = env[NOTIFY_ENV.webhookUrl]?.trim();
  if (webhook) {
    const secret = env[NOTIFY_ENV.webhookSecret] || undefined;
    notifiers.push(new FailSafeNotifier("webhook", new JsonWebhookNotifier(webhook, secret, post), log));
    channels.push(secret ? "webhook (signed)" : "webhook");
  }
  const fanOut = new FanOutNotifier(notifiers);
  // An event's message carries outside text (a gate's output, a metrics error): no secret leaves.
  const secrets = secretValues(env, [slack, webhook, env[NOTIFY_ENV.webhookSecret]]);
  return { channels, notify: (event) => fanOut.notify(redactDeep(event, secrets)) };
}
