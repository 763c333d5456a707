import { z } from "zod";
import { PLAN_PROFILES } from "../config/rollout";
import { THRESHOLD_PROFILES, ThresholdsSchema } from "../config/thresholds";
import { consecutiveChecks, type RollbackSignal } from "./rules";

/**
 * The organisation's limits on roll-back alerts: per stage, the loosest threshold and the longest
 * breach each signal may declare. The policy pack enforces them on the stacks and `ion-rollout
 * start`'s preflight on the runner's config, so both read them here, below either.
 */

export const ROLLBACK_SIGNALS = [
  "errorRate",
  "p95LatencyMs",
  "memory",
  "cpu",
] as const satisfies readonly RollbackSignal[];

export type Profile = keyof typeof THRESHOLD_PROFILES;
const PROFILES = Object.keys(THRESHOLD_PROFILES) as Profile[];

/** The stage whose limits apply to a stage that has none of its own: the strictest. */
export const DEFAULT_LIMITS_STAGE = "prod";

/** A stage's runbook thresholds, parsed (so schema defaults apply) from the shared profiles. */
function profileThresholds(profile: Profile) {
  return ThresholdsSchema.parse(THRESHOLD_PROFILES[profile]);
}

const ratio = z.number().gt(0).lte(1);
const seconds = z.number().int().positive().max(86_400);

const SignalLimitSchemas = {
  errorRate: z.object({ rollbackAbove: ratio, maxForSeconds: seconds.optional() }).strict(),
  p95LatencyMs: z
    .object({ rollbackAbove: z.number().positive().max(600_000), maxForSeconds: seconds.optional() })
    .strict(),
  memory: z.object({ rollbackAbove: ratio, maxForSeconds: seconds.optional() }).strict(),
  cpu: z.object({ rollbackAbove: ratio, maxForSeconds: seconds.optional() }).strict(),
};

/** The loosest alert a stage may declare per signal: limit in the config's units (ratio, ms). */
export const StageLimitsSchema = z
  .object({
    errorRate: SignalLimitSchemas.errorRate.optional(),
    p95LatencyMs: SignalLimitSchemas.p95LatencyMs.optional(),
    memory: SignalLimitSchemas.memory.optional(),
    cpu: SignalLimitSchemas.cpu.optional(),
  })
  .strict();
export type StageLimits = z.infer<typeof StageLimitsSchema>;
export type SignalLimit = { rollbackAbove: number; maxForSeconds?: number };

/** Runbook limits of one profile: the roll-back limit and how long a breach may last before it fires. */
function profileLimits(profile: Profile): StageLimits {
  const thresholds = profileThresholds(profile);
  const interval = PLAN_PROFILES[profile].checkIntervalSeconds;
  const limits: Record<string, SignalLimit> = {};
  for (const signal of ROLLBACK_SIGNALS) {
    const threshold = thresholds[signal];
    if (threshold?.rollbackAbove === undefined) continue;
    limits[signal] = {
      rollbackAbove: threshold.rollbackAbove,
      maxForSeconds: threshold.forSeconds ?? consecutiveChecks(threshold, interval) * interval,
    };
  }
  return StageLimitsSchema.parse(limits);
}

/** One value per runbook profile (dev, staging, prod), keyed by its name. */
export function byProfile<T>(value: (profile: Profile) => T): Record<string, T> {
  return Object.fromEntries(PROFILES.map((profile) => [profile, value(profile)]));
}

/** Each profile's limits: what applies where no policy-pack config says otherwise. */
export const STAGE_LIMIT_DEFAULTS: Record<string, StageLimits> = byProfile(profileLimits);

/** The default limits for `stage`: its profile's, or the default stage's when it has none. */
export function defaultLimitsFor(stage: string): StageLimits {
  return STAGE_LIMIT_DEFAULTS[stage] ?? STAGE_LIMIT_DEFAULTS[DEFAULT_LIMITS_STAGE] ?? {};
}
