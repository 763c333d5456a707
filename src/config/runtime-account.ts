import { gcpSettings } from "./gcp-settings";
import type { StageConfig } from "./schema";

/** The runtime service account's names (no SDK here: the revision template and signals use them). */

/** `<service>-run`, within a service account id's 6-30 characters of `[a-z][-a-z0-9]*[a-z0-9]`. */
export function runtimeServiceAccountId(cfg: StageConfig): string {
  const base = `${cfg.service.name}-run`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  const padded = base.length >= 6 ? base : `${base}time`;
  return padded.slice(0, 30).replace(/-+$/, "");
}

/** Known before the account exists, so the revision template (and its derived name) can carry it. */
export function runtimeServiceAccountEmail(cfg: StageConfig): string {
  return `${runtimeServiceAccountId(cfg)}@${gcpSettings(cfg).project}.iam.gserviceaccount.com`;
}
