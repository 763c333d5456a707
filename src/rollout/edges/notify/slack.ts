import type { Notifier, RolloutEvent, RolloutEventKind } from "../types";
import { type PostJsonOptions, postJson } from "./post-json";

const EMOJI: Record<RolloutEventKind, string> = {
  start: ":rocket:",
  step: ":arrow_forward:",
  hold: ":double_vertical_bar:",
  revert: ":rewind:",
  promote: ":white_check_mark:",
  finish: ":checkered_flag:",
  abort: ":octagonal_sign:",
  error: ":x:",
};

/** Slack treats &, < and > as control characters in message text. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The message a channel sees: what happened, to which stage, at which weight, and why. */
export function slackMessage(event: RolloutEvent): { text: string } {
  const when = new Date(event.at).toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    text:
      `${EMOJI[event.kind]} *ion-rollout ${escapeSlack(event.stage)}*: ${event.kind} at canary ${event.canaryWeight}%` +
      ` (${when})\n${escapeSlack(event.message)}`,
  };
}

/** Posts rollout events to a Slack incoming webhook (the URL is the credential). */
export class SlackNotifier implements Notifier {
  constructor(
    private readonly webhookUrl: string,
    private readonly options: PostJsonOptions = {},
  ) {}

  notify(event: RolloutEvent): Promise<void> {
    return postJson(this.webhookUrl, JSON.stringify(slackMessage(event)), this.options);
  }
}
