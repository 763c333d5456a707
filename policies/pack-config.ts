import { readFileSync } from "node:fs";
import { ENFORCEMENT_LEVELS, type Level } from "./config";
import type { IonPolicy } from "./define";

/**
 * A policy pack config as `pulumi preview --policy-pack-config <file>` reads it:
 * `{ "all"?: level, "<policy>": level | { "enforcementLevel"?: level, ...settings } }`.
 */
export type PolicyPackConfig = Record<
  string,
  Level | ({ enforcementLevel?: Level } & Record<string, unknown>)
>;

export class PolicyConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`invalid policy config (${source}):\n${issues.map((issue) => `  - ${issue}`).join("\n")}`);
    this.name = "PolicyConfigError";
  }
}

function isLevel(value: unknown): value is Level {
  return typeof value === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(value);
}

/**
 * Validates a pack config against the pack: known policy names, valid levels, and each policy's
 * settings against its schema (bad limits are refused here, before any stack is judged).
 */
export function parsePolicyPackConfig(
  raw: unknown,
  policies: IonPolicy[],
  source = "policy config",
): PolicyPackConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new PolicyConfigError(source, ["the config must be a JSON object keyed by policy name"]);
  }
  const byName = new Map(policies.map((policy) => [policy.name, policy]));
  const issues: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (key === "all") {
      if (!isLevel(value))
        issues.push(`all: "${String(value)}" is not one of ${ENFORCEMENT_LEVELS.join(", ")}`);
      continue;
    }
    const policy = byName.get(key);
    if (!policy) {
      issues.push(`${key}: no such policy; the pack has ${[...byName.keys()].join(", ")}`);
      continue;
    }
    if (typeof value === "string") {
      if (!isLevel(value)) issues.push(`${key}: "${value}" is not one of ${ENFORCEMENT_LEVELS.join(", ")}`);
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      issues.push(`${key}: expected an enforcement level or an object of settings`);
      continue;
    }
    const { enforcementLevel, ...settings } = value as Record<string, unknown>;
    if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
      issues.push(
        `${key}.enforcementLevel: "${String(enforcementLevel)}" is not one of ${ENFORCEMENT_LEVELS.join(", ")}`,
      );
    }
    const parsed = policy.settings.safeParse(settings);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        issues.push(`${[key, ...issue.path.map(String)].join(".")}: ${issue.message}`);
      }
    }
  }
  if (issues.length > 0) throw new PolicyConfigError(source, issues);
  return raw as PolicyPackConfig;
}

export function readPolicyPackConfig(file: string, policies: IonPolicy[]): PolicyPackConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new PolicyConfigError(file, [error instanceof Error ? error.message : String(error)]);
  }
  return parsePolicyPackConfig(raw, policies, file);
}

/** The level a policy runs at: its own entry, else `all`, else the policy's default. */
export function enforcementLevelOf(policy: IonPolicy, config: PolicyPackConfig): Level {
  const own = config[policy.name];
  const ownLevel = typeof own === "string" ? own : own?.enforcementLevel;
  const all = config.all;
  return ownLevel ?? (typeof all === "string" ? all : undefined) ?? policy.enforcementLevel ?? "advisory";
}

/** A policy's settings as `getConfig()` returns them: its entry without the enforcement level. */
export function settingsOf(policy: IonPolicy, config: PolicyPackConfig): Record<string, unknown> {
  const own = config[policy.name];
  if (typeof own !== "object") return {};
  const { enforcementLevel: _level, ...settings } = own;
  return settings;
}
