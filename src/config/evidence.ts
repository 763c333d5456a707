import { z } from "zod";

/**
 * `thresholds.errorRate.evidence` (and `thresholds.p95LatencyMs.evidence` for the slow-request
 * share): the sequential evidence engine's parameters. The engine owns their meaning
 * (`src/rollout/core/evidence/params.ts`, `EvidenceConfigSchema`); config sits below the core in
 * the import graph, so the shape is declared here too and a test (test/config/evidence.test.ts)
 * fails if the two ever disagree on keys or defaults.
 */
export const EvidenceSettingsSchema = z
  .object({
    /** Chance a healthy canary (at or under the GO level) is ever reverted: prod 0.1%. */
    alpha: z.number().gt(0).lt(0.5).default(0.001),
    cumulativeShare: z.number().gt(0).lt(1).default(0.5),
    nullFactor: z.number().gt(0).lt(1).default(0.55),
    alternatives: z.array(z.number().gt(1)).min(1).max(8).default([2, 10]),
    weights: z.array(z.number().gt(0)).min(1).max(8).default([0.9, 0.1]),
    changePointFactor: z.number().gt(1).default(10),
    horizonChecks: z.number().int().min(1).max(10_000).default(60),
    advanceAtLimitAtMost: z.number().gt(0).lt(0.5).default(0.05),
    goAlternatives: z.array(z.number().gt(0).lte(1)).min(1).max(8).default([1, 0.6]),
    goWeights: z.array(z.number().gt(0)).min(1).max(8).default([0.5, 0.5]),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.alternatives.length !== value.weights.length) {
      ctx.addIssue({
        code: "custom",
        path: ["weights"],
        message: `needs one weight per alternative (${value.alternatives.length}); got ${value.weights.length}`,
      });
    }
    if (value.goAlternatives.length !== value.goWeights.length) {
      ctx.addIssue({
        code: "custom",
        path: ["goWeights"],
        message: `needs one weight per GO alternative (${value.goAlternatives.length}); got ${value.goWeights.length}`,
      });
    }
  });

export type EvidenceSettings = z.infer<typeof EvidenceSettingsSchema>;
