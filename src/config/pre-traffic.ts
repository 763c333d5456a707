import { z } from "zod";

/**
 * `rollout.preTraffic`: what the canary must answer before it takes any traffic (the blue-green runbook
 * curls the green service's /health and runs the integration suite; the readiness checklist runs a
 * rate-limit probe of both sides, 10 requests per side 500 ms apart, success > 95%, and the
 * canary's /health before GO), and the health check of the public endpoint after 100% (the blue-green runbook).
 * Every number is data with the runbooks' defaults.
 */

const path = z.string().startsWith("/", "must be a path starting with /");

/** N requests to the health path, every one 2xx within the timeout. */
export const HealthProbeSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** The blue-green runbook curls once; three so one lucky answer is not enough. */
    requests: z.number().int().min(1).max(100).default(3),
    /** Per request. */
    timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
    /** Default `service.healthPath`. */
    path: path.optional(),
  })
  .strict();

/** The readiness checklist's rate-limit probe (`rate_limit_probe.ps1 -RequestsPerSide 10 -DelayMsBetweenRequests 500`). */
export const RateProbeSchema = z
  .object({
    enabled: z.boolean().default(true),
    requestsPerSide: z.number().int().min(1).max(1_000).default(10),
    spacingMs: z.number().int().min(0).max(60_000).default(500),
    /** Share of 2xx answers each side must reach (the readiness checklist: > 95%). */
    minSuccessRate: z.number().min(0).max(1).default(0.95),
    timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
    /** Default `service.healthPath`. */
    path: path.optional(),
  })
  .strict();

/** A user command (the integration suite); its exit code decides. */
export const GateCommandSchema = z
  .object({
    /** Run by /bin/sh -c with CANARY_URL, STABLE_URL, STAGE, RELEASE in its environment. */
    run: z.string().min(1),
    /** The whole process group is killed after this long. */
    timeoutSeconds: z.number().int().min(1).max(7_200).default(600),
    /** Output kept for the report (head and tail); the rest is counted, not kept. */
    maxOutputBytes: z.number().int().min(256).max(1_048_576).default(16_384),
    /** Working directory, relative to the project. */
    cwd: z.string().min(1).optional(),
  })
  .strict();

const url = z.string().url("must be an absolute URL like https://canary.example.com");

export const PreTrafficSchema = z
  .object({
    /** false: no gate (the canary takes its first step unchecked). */
    enabled: z.boolean().default(true),
    health: HealthProbeSchema.prefault({}),
    probe: RateProbeSchema.prefault({}),
    command: GateCommandSchema.optional(),
    /** After 100% and before PROMOTED: the health probe against the public endpoint. */
    postPromotionCheck: z.boolean().default(true),
    /** Overrides of the endpoints the platform would give (stack outputs, HAProxy). */
    endpoints: z
      .object({ canary: url.optional(), stable: url.optional(), public: url.optional() })
      .strict()
      .prefault({}),
    /**
     * Accept a self-signed or mismatched certificate on the canary endpoint only (the AWS test
     * listener serves the ALB's certificate on its DNS name). Never applies to stable or public.
     */
    acceptSelfSignedCanaryCert: z.boolean().default(false),
    /**
     * `google-id-token`: send an ID token for the endpoint's audience (non-public Cloud Run);
     * `auto`: that on gcp stages with `gcp.public: false`, none elsewhere.
     */
    auth: z.enum(["auto", "none", "google-id-token"]).default("auto"),
    /** The ID token's audience; default the URL's origin (Cloud Run accepts the service URL). */
    audience: url.optional(),
  })
  .strict();

export type PreTrafficConfig = z.infer<typeof PreTrafficSchema>;
export type HealthProbeConfig = z.infer<typeof HealthProbeSchema>;
export type RateProbeConfig = z.infer<typeof RateProbeSchema>;
export type GateCommandConfig = z.infer<typeof GateCommandSchema>;
