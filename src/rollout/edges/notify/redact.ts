export { redactSecrets } from "../../core/text/redact";

/** Where a secret URL may be named: its origin only (the path of a webhook URL is the secret). */
export function publicOrigin(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return "(invalid URL)";
  }
}
