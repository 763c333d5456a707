import { z } from "zod";

/**
 * `thresholds.errorRate.evidence` (and `thresholds.p95LatencyMs.evidence` for the slow-request
 * share): the sequential evidence engine's parameters (`src/rollout/core/evidence/params.ts`
 * derives a rule from them; docs/evidence.md gives their meaning and measured effect). Declared
 * once, here, where every config key lives.
 */
export const EvidenceSettingsSchema = z
  .object({
    /** Chance a healthy canary (at or under the GO level) is ever reverted: prod 0.1%. */
    alpha: z.number().gt(0).lt(0.5).default(0.001),
    /** Share of alpha spent on the cumulative mixture (Ville); the rest on the change-point test. */
    cumulativeShare: z.number().gt(0).lt(1).default(0.25),
    /**
     * The revert tests' null rate as a multiple of the roll-back limit, at least the GO level: 0.55
     * keeps OBSERVE-band canaries (0.8%) from being reverted while healthy ones stay far under α.
     */
    nullFactor: z.number().gt(0).lt(1).default(0.5),
    /** Mixture alternatives, as multiples of the roll-back limit, and their weights. */
    alternatives: z.array(z.number().gt(1)).min(1).max(8).default([2.1, 10]),
    weights: z.array(z.number().gt(0)).min(1).max(8).default([0.85, 0.15]),
    /** The change-point (CUSUM) alternative as a multiple of the roll-back limit (when not a mixture). */
    changePointFactor: z.number().gt(1).default(10),
    /** The change-point test bets on the cumulative test's alternatives (a mixture) instead of one rate. */
    changePointMixture: z.boolean().default(true),
    /**
     * The change-point mixture's weights over the same alternatives. The one-check trigger
     * (`oneCheckShare`) reverts a hard fault at the first check it spoils, so the CUSUM's job is the
     * moderate fault that starts late, and it bets like the cumulative test.
     */
    changePointWeights: z.array(z.number().gt(0)).min(1).max(8).default([0.85, 0.15]),
    /**
     * Share of alpha spent on the one-check trigger (a single check with too many errors to be
     * healthy), per check over the horizon. 0.45 keeps a hard fault (20%) reverted at the first
     * check of 50 requests (5 errors; P(Bin(50, 0.5%) ≥ 5) = 5.49e-6 ≤ 0.45·α/80) over the prod
     * plan's 80 checks.
     */
    oneCheckShare: z.number().gt(0).lt(1).default(0.45),
    /**
     * OBSERVE-band canaries are held, not reverted: a canary at `holdFactor` × the roll-back limit
     * is reverted at most `holdRevertAtMost` over the horizon (split between the three tests: the
     * one-check trigger's count exactly per check, the change-point and cumulative bars raised for
     * the step's traffic). This only ever raises bars, never below the false-revert guarantee's.
     */
    holdFactor: z.number().gt(0).lt(1).default(0.8),
    holdRevertAtMost: z.number().gt(0).lt(0.5).default(0.01),
    /**
     * The checks with data over which the change-point and one-check guarantees are spent: within
     * it their false reverts stay within their shares of alpha, past it they grow linearly. The
     * analysis raises it to the plan's scheduled checks (each bake in checks plus one per step,
     * core/analysis/plan-horizon.ts), so the bound holds over the whole planned rollout.
     */
    horizonChecks: z.number().int().min(1).max(10_000).default(60),
    /**
     * Chance a canary at or under the GO level is ever held by the evidence that it is above it:
     * a step does not advance (OBSERVE) while the likelihood ratio of `holdFactor` × the limit
     * against the GO level is at least 1 / this (Ville), so a canary in the OBSERVE band stays at
     * the weight where that evidence came instead of climbing to 100%.
     */
    holdAboveGoAtMost: z.number().gt(0).lt(0.5).default(0.01),
    /** Chance a canary at the roll-back limit may advance a step (the GO gate's Ville bound). */
    advanceAtLimitAtMost: z.number().gt(0).lt(0.5).default(0.05),
    /** GO-gate alternatives as multiples of the GO level, and their weights. */
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
    if (value.cumulativeShare + value.oneCheckShare >= 1) {
      ctx.addIssue({
        code: "custom",
        path: ["oneCheckShare"],
        message: `cumulativeShare + oneCheckShare must leave a share of alpha for the change-point test; got ${value.cumulativeShare} + ${value.oneCheckShare}`,
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
