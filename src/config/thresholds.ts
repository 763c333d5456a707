import { z } from "zod";
import { EvidenceSettingsSchema } from "./evidence";

/**
 * One roll-back signal. `rollbackAbove` is the limit a check breaches; a breach must repeat for
 * `consecutive` checks (prod runbooks) or last `forSeconds` (staging runbooks) before NO-GO.
 * `goAtMost` is the gate a step must meet to advance; between the two the runner holds (OBSERVE).
 */
const signalShape = {
  rollbackAbove: z.number().positive().optional(),
  consecutive: z.number().int().min(1).max(100).optional(),
  forSeconds: z.number().int().min(1).max(86_400).optional(),
  goAtMost: z.number().positive(),
};

function refineSignal(
  value: { rollbackAbove?: number; consecutive?: number; forSeconds?: number; goAtMost: number },
  ctx: z.RefinementCtx,
): void {
  if (value.rollbackAbove === undefined) {
    if (value.consecutive !== undefined || value.forSeconds !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["rollbackAbove"],
        message: "consecutive/forSeconds need a rollbackAbove limit; set one or remove them",
      });
    }
    return;
  }
  if ((value.consecutive === undefined) === (value.forSeconds === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: ["consecutive"],
      message: "set exactly one of consecutive (checks in a row) or forSeconds (sustained duration)",
    });
  }
  if (value.goAtMost > value.rollbackAbove) {
    ctx.addIssue({
      code: "custom",
      path: ["goAtMost"],
      message: `GO limit ${value.goAtMost} is looser than the roll-back limit ${value.rollbackAbove}; goAtMost must be <= rollbackAbove`,
    });
  }
}

/** Error rates are fractions: 1 (or 5) would be 100% (or 500%), always a typo for a percentage. */
const ratio = z.number().gt(0).lt(1, "error-rate thresholds are fractions: 0.01 means 1%");
/** Memory and CPU utilisation: a share of the limit, up to 1. */
const utilisation = z.number().gt(0).lte(1);

export const ErrorRateThresholdSchema = z
  .object({
    ...signalShape,
    rollbackAbove: ratio.optional(),
    goAtMost: ratio,
    /** Requests pooled into one judgement; fewer and the verdict is "waiting for evidence". */
    minRequests: z.number().int().min(1).default(50),
    /** One-sided Wilson confidence that the canary's error rate is above the limit. */
    confidence: z.number().gt(0.5).lt(1).default(0.95),
    /** The sequential evidence engine's parameters (`rollout.analysis: sequential`); docs/rollout.md. */
    evidence: EvidenceSettingsSchema.prefault({}),
    /** Optional canary-vs-stable test on the same window's counts. */
    compareToStable: z
      .object({
        worseByFactor: z.number().gt(1).default(2),
        confidence: z.number().gt(0.5).lt(1).default(0.99),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine(refineSignal);

export const LatencyThresholdSchema = z
  .object({
    ...signalShape,
    rollbackAbove: z.number().positive().max(600_000).optional(),
    /**
     * Sequential analysis of the share of requests slower than `rollbackAbove` (P95 above the limit
     * means more than 5% of requests are slower): the engine's parameters for that share.
     */
    evidence: EvidenceSettingsSchema.prefault({}),
  })
  .strict()
  .superRefine(refineSignal);

export const UtilisationThresholdSchema = z
  .object({ ...signalShape, rollbackAbove: utilisation.optional(), goAtMost: utilisation })
  .strict()
  .superRefine(refineSignal);

export const HealthThresholdSchema = z
  .object({ rollbackAfterFailures: z.number().int().min(1).max(100) })
  .strict();

export const ThresholdsSchema = z
  .object({
    errorRate: ErrorRateThresholdSchema,
    p95LatencyMs: LatencyThresholdSchema,
    memory: UtilisationThresholdSchema,
    cpu: UtilisationThresholdSchema.optional(),
    health: HealthThresholdSchema.optional(),
  })
  .strict();

export type ErrorRateThreshold = z.infer<typeof ErrorRateThresholdSchema>;
export type SignalThreshold = z.infer<typeof LatencyThresholdSchema>;
export type Thresholds = z.infer<typeof ThresholdsSchema>;
export type ThresholdsInput = z.input<typeof ThresholdsSchema>;

/** The runbook tables (../shared/seeds/README.md), one profile per kind of stage. */
export const THRESHOLD_PROFILES: Record<"prod" | "staging", ThresholdsInput> = {
  prod: {
    errorRate: { rollbackAbove: 0.01, consecutive: 3, goAtMost: 0.005 },
    p95LatencyMs: { rollbackAbove: 500, consecutive: 3, goAtMost: 200 },
    memory: { rollbackAbove: 0.85, consecutive: 2, goAtMost: 0.85 },
    cpu: { goAtMost: 0.8 },
  },
  staging: {
    errorRate: { rollbackAbove: 0.05, forSeconds: 300, goAtMost: 0.005 },
    p95LatencyMs: { rollbackAbove: 2000, forSeconds: 180, goAtMost: 200 },
    memory: { rollbackAbove: 0.95, forSeconds: 180, goAtMost: 0.85 },
    cpu: { rollbackAbove: 0.9, forSeconds: 300, goAtMost: 0.8 },
    health: { rollbackAfterFailures: 3 },
  },
};
