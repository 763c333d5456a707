import { createHmac } from "node:crypto";
import type { Notifier, RolloutEvent } from "../types";
import { type PostJsonOptions, postJson } from "./post-json";

/** Header carrying `sha256=<hex HMAC of the body>` when a signing secret is set. */
export const SIGNATURE_HEADER = "x-ion-rollout-signature";

/** The generic webhook's body: the event as the runner records it, plus where it came from. */
export function webhookBody(event: RolloutEvent): string {
  return JSON.stringify({ source: "ion-rollout", ...event, at: new Date(event.at).toISOString() });
}

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * Posts each rollout event as JSON to any HTTP endpoint (chat bridges, incident tools, audit logs).
 * With a secret, the body is signed so the receiver can reject forged events.
 */
export class JsonWebhookNotifier implements Notifier {
  constructor(
    private readonly url: string,
    private readonly secret?: string,
    private readonly options: PostJsonOptions = {},
  ) {}

  notify(event: RolloutEvent): Promise<void> {
    const body = webhookBody(event);
    const headers = this.secret ? { [SIGNATURE_HEADER]: signBody(body, this.secret) } : undefined;
    return postJson(this.url, body, {
      ...this.options,
      headers: { ...this.options.headers, ...headers },
      secrets: [...(this.options.secrets ?? []), this.secret],
    });
  }
}
