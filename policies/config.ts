import { z } from "zod";
import { PLAN_PROFILES } from "../src/config/rollout";
import {
  byProfile,
  DEFAULT_LIMITS_STAGE,
  ROLLBACK_SIGNALS,
  STAGE_LIMIT_DEFAULTS,
  type StageLimits,
  StageLimitsSchema,
} from "../src/signals/limits";

/**
 * The pack's configuration: one zod schema per policy (limits with the runbook defaults), from which
 * the JSON Schema each policy declares for the Pulumi CLI is derived. The file users pass to
 * `pulumi preview --policy-pack-config` and to `ion-deploy synth --policy-config` has the same shape:
 * `{ "all"?: level, "<policy>": level | { enforcementLevel?, ...settings } }`.
 */

export const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;
export type Level = (typeof ENFORCEMENT_LEVELS)[number];

/**
 * Given per-stage settings laid over the defaults: stages not given keep theirs, and inside a stage
 * each signal keeps the fields not given. So tightening prod's error rate keeps prod's other limits.
 */
function overDefaults<T>(defaults: Record<string, T>, merge: (base: T, given: T) => T) {
  return (given: Record<string, T>): Record<string, T> => {
    const merged: Record<string, T> = { ...defaults };
    for (const [stage, value] of Object.entries(given)) {
      const base = defaults[stage];
      merged[stage] = base === undefined ? value : merge(base, value);
    }
    return merged;
  };
}

function mergeLimits(base: StageLimits, given: StageLimits): StageLimits {
  const merged: StageLimits = { ...base };
  for (const signal of ROLLBACK_SIGNALS) {
    const limit = given[signal];
    if (limit) merged[signal] = { ...base[signal], ...limit };
  }
  return merged;
}

/** A stage must alert on every signal its runbook profile has a roll-back limit for. */
const REQUIRED_DEFAULTS = byProfile((profile) =>
  ROLLBACK_SIGNALS.filter((signal) => STAGE_LIMIT_DEFAULTS[profile]?.[signal] !== undefined),
);
/** The canary share allowed with no rollout in progress: the plan's first step. */
const FIRST_STEP_DEFAULTS = byProfile((profile) => PLAN_PROFILES[profile].steps[0] ?? 0);

/** Which stage's settings apply to a resource whose stage is not known or not listed: the strictest. */
const defaultStage = z.string().min(1).default(DEFAULT_LIMITS_STAGE);
const stageName = z.string().min(1);

export const ThresholdLimitsConfigSchema = z
  .object({
    stages: z
      .record(stageName, StageLimitsSchema)
      .default(STAGE_LIMIT_DEFAULTS)
      .transform(overDefaults(STAGE_LIMIT_DEFAULTS, mergeLimits)),
    defaultStage,
  })
  .strict()
  .superRefine((config, ctx) => checkDefaultStage(config.stages, config.defaultStage, ctx));

export const RequiredSignalsConfigSchema = z
  .object({
    stages: z
      .record(stageName, z.array(z.enum(ROLLBACK_SIGNALS)))
      .default(REQUIRED_DEFAULTS)
      .transform(overDefaults(REQUIRED_DEFAULTS, (_base, given) => given)),
    defaultStage,
  })
  .strict()
  .superRefine((config, ctx) => checkDefaultStage(config.stages, config.defaultStage, ctx));

export const FirstStepConfigSchema = z
  .object({
    /** Percent the canary may hold while no rollout is in progress: the plan's first step. */
    stages: z
      .record(stageName, z.number().int().min(0).max(100))
      .default(FIRST_STEP_DEFAULTS)
      .transform(overDefaults(FIRST_STEP_DEFAULTS, (_base, given) => given)),
    defaultStage,
    /** The Cloud Run traffic tag / backend naming that marks the canary. */
    canaryTag: z.string().min(1).default("canary"),
  })
  .strict()
  .superRefine((config, ctx) => checkDefaultStage(config.stages, config.defaultStage, ctx));

export const CanaryTagConfigSchema = z.object({ canaryTag: z.string().min(1).default("canary") }).strict();

/** AWS's TLS 1.2+ forward-secret policies (TLS 1.3 where offered); older ones allow TLS 1.0/1.1 or CBC. */
export const MODERN_SSL_POLICIES = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
  "ELBSecurityPolicy-FS-1-2-Res-2020-10",
];

export const TlsPolicyConfigSchema = z
  .object({ allowedSslPolicies: z.array(z.string().min(1)).min(1).default(MODERN_SSL_POLICIES) })
  .strict();

const port = z.number().int().min(0).max(65_535);

export const PublicIngressConfigSchema = z
  .object({
    /** Ports the load balancer may open to the internet (HTTP for the redirect, HTTPS). */
    publicPorts: z.array(port).min(1).default([80, 443]),
  })
  .strict();

export const SshConfigSchema = z.object({ sshPorts: z.array(port).min(1).default([22]) }).strict();

export const ProductionDatabasesConfigSchema = z
  .object({
    productionStages: z.array(stageName).default(["prod"]),
    minBackupRetentionDays: z.number().int().min(1).max(35).default(7),
    defaultStage,
  })
  .strict();

export const NoSettingsSchema = z.object({}).strict();

function checkDefaultStage(stages: Record<string, unknown>, stage: string, ctx: z.RefinementCtx): void {
  if (!(stage in stages)) {
    ctx.addIssue({
      code: "custom",
      path: ["defaultStage"],
      message: `defaultStage "${stage}" has no entry in stages (${Object.keys(stages).join(", ") || "none"}); add it or pick one of them`,
    });
  }
}

export type ConfigSchema = z.ZodType<object>;

/** The JSON Schema a policy declares (`configSchema`), from its zod schema. */
export function jsonConfigSchema(schema: ConfigSchema): {
  properties: Record<string, object>;
  required?: string[];
} {
  const json = z.toJSONSchema(schema, { target: "draft-7", io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, object>;
    required?: string[];
  };
  return { properties: json.properties ?? {}, ...(json.required?.length ? { required: json.required } : {}) };
}
