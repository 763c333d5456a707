import { CONFIG_NAMESPACE, ConfigError } from "./errors";
import { PLAN_PROFILES } from "./rollout";
import { SECRET_KEYS, type StageConfig, StageConfigSchema } from "./schema";
import { THRESHOLD_PROFILES } from "./thresholds";
import { unknownKeyIssues } from "./unknown-keys";

type Raw = Record<string, unknown>;

function isRecord(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Fills thresholds and plan from the runbook profile. A signal given in config keeps the profile's
 * fields it does not set, except that choosing `consecutive` or `forSeconds` drops the other.
 */
function withProfileDefaults(raw: Raw): Raw {
  const profile = raw.profile === "staging" || raw.profile === "prod" ? raw.profile : undefined;
  if (!profile) return raw;
  const thresholds: Raw = {};
  const given = isRecord(raw.thresholds) ? raw.thresholds : {};
  const defaults = THRESHOLD_PROFILES[profile] as Raw;
  for (const signal of new Set([...Object.keys(defaults), ...Object.keys(given)])) {
    const base = isRecord(defaults[signal]) ? { ...(defaults[signal] as Raw) } : undefined;
    const override = given[signal];
    if (!isRecord(override) || !base) {
      thresholds[signal] = override ?? base;
      continue;
    }
    if ("consecutive" in override) delete base.forSeconds;
    if ("forSeconds" in override) delete base.consecutive;
    thresholds[signal] = { ...base, ...override };
  }
  const rollout = isRecord(raw.rollout) ? raw.rollout : {};
  return { ...raw, thresholds, rollout: { ...PLAN_PROFILES[profile], ...rollout } };
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let current = raw;
  for (const key of path) {
    if (!isRecord(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key as string];
  }
  return current;
}

function describe(value: unknown): string {
  if (value === undefined) return "";
  const text = JSON.stringify(value);
  return text.length > 80 ? ` (got ${text.slice(0, 77)}...)` : ` (got ${text})`;
}

/**
 * Validates one stage's `ion-deploy:*` keys (namespace stripped). `source` names the file or
 * stack in error messages.
 */
export function parseStageConfig(stage: string, raw: Raw, source = `Pulumi.${stage}.yaml`): StageConfig {
  const plaintextSecrets = SECRET_KEYS.filter((key) => key in raw && !isSecureValue(raw[key]));
  if (plaintextSecrets.length > 0) {
    throw new ConfigError(
      source,
      plaintextSecrets.map((key) => ({
        path: key,
        message: `must be a Pulumi secret; run \`pulumi config set --secret ${CONFIG_NAMESPACE}:${key} <value>\``,
      })),
    );
  }
  const candidate: Raw = { profile: "prod", ...raw, stage };
  for (const key of SECRET_KEYS) delete candidate[key];
  const merged = withProfileDefaults(candidate);
  const result = StageConfigSchema.safeParse(merged);
  if (result.success) return result.data;
  throw new ConfigError(
    source,
    result.error.issues.flatMap((issue) => {
      if (issue.code === "unrecognized_keys") return unknownKeyIssues(issue.path, issue.keys);
      const where = issue.path.map(String).join(".");
      const got = issue.code === "custom" ? "" : describe(valueAt(merged, issue.path));
      return { path: where || "(root)", message: `${issue.message}${got}` };
    }),
  );
}

/** A value Pulumi stores encrypted: `{ secure: "v1:..." }` in the stack file. */
export function isSecureValue(value: unknown): boolean {
  return isRecord(value) && typeof value.secure === "string";
}
