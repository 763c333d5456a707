import { z } from "zod";
import { safePath } from "./patterns";
import { PreTrafficSchema } from "./pre-traffic";
import { LeaseSchema, StoreSchema } from "./store";

export const RolloutPlanSchema = z
  .object({
    /** Canary weights in percent, strictly increasing, ending at 100. */
    steps: z.array(z.number().int().min(1).max(100)).min(1),
    /** Bake per step: one number for every step, or one per step. */
    bakeSeconds: z.union([z.number().int().min(0), z.array(z.number().int().min(0))]),
    checkIntervalSeconds: z.number().int().min(1).max(3600),
    /**
     * How checks judge error rate and latency: `sequential` (an always-valid test on the canary's
     * cumulative counts, docs/rollout.md) or `consecutive` (the runbook's literal "N in a row" rule,
     * the one the alert policies keep).
     */
    analysis: z.enum(["sequential", "consecutive"]).default("consecutive"),
    /**
     * The stage's requests per second at 100% canary weight. Each step's expected canary requests
     * per check (rate x weight x interval) set the change-point bar; omitted, the bar is calibrated
     * for the traffic each check actually sees (rounded to a power of two).
     */
    expectedRequestsPerSecond: z.number().positive().max(10_000_000).optional(),
    /**
     * The most requests per second the service could serve (one side, any weight). A check whose
     * request, error or slow count exceeds this × `checkIntervalSeconds` is implausible: no data,
     * never a pass. Omitted: 100 × `expectedRequestsPerSecond` when declared, else 1,000,000
     * (src/rollout/core/sample/plausible-counts.ts).
     */
    maxRequestsPerSecond: z.number().positive().max(100_000_000).optional(),
    /**
     * Seconds the metrics backend may take to make a sample visible. The sequential analysis
     * judges only what is older: cumulative counters read this far in the past, per-period counts
     * only for periods that ended this long ago. Prod's profile takes Cloud Monitoring's documented
     * latency of Google Cloud metrics, 240 s (docs/cloud-edges.md).
     */
    ingestionDelaySeconds: z.number().int().min(0).max(3600).default(0),
    /** Canary requests a step must observe before it may advance (bake by evidence); 0 = off. */
    minRequestsPerStep: z.number().int().min(0).default(0),
    /** Upper bound on one step; then `onStepTimeout` applies. Omit for no bound. */
    maxStepSeconds: z.number().int().min(1).optional(),
    onStepTimeout: z.enum(["hold", "revert"]).default("hold"),
    /** Checks in a row with missing, stale or errored metrics before the runner reverts. */
    maxInconclusiveChecks: z.number().int().min(1).default(3),
    /** A sample older than this many seconds counts as stale (missing). */
    maxSampleAgeSeconds: z.number().int().min(1).optional(),
    /** How long the old side is kept after a promotion before it is retired (the blue-green runbook keeps it 24 h). */
    retainOldSeconds: z.number().int().min(0).default(86_400),
    /**
     * The local rollout directory (reports; and state, journal, requests and lease when
     * `store.kind` is `directory`); relative to the project directory (the stage file's).
     */
    stateDir: safePath.default(".ion-rollout"),
    /** Where state, journal, operator requests and the lease live (`src/config/store.ts`). */
    store: StoreSchema.default({ kind: "directory" }),
    /** The runner's lease on its traffic target (`src/config/store.ts`). */
    lease: LeaseSchema.prefault({}),
    /** The pre-traffic gate and the post-promotion check (`src/config/pre-traffic.ts`). */
    preTraffic: PreTrafficSchema.prefault({}),
  })
  .strict()
  .superRefine((plan, ctx) => {
    const { steps } = plan;
    for (let i = 1; i < steps.length; i++) {
      const previous = steps[i - 1] as number;
      const current = steps[i] as number;
      if (current <= previous) {
        ctx.addIssue({
          code: "custom",
          path: ["steps"],
          message: `steps must be strictly increasing percentages ending at 100; step ${i + 1} (${current}) is not above step ${i} (${previous}), got [${steps.join(", ")}]`,
        });
        return;
      }
    }
    if (steps[steps.length - 1] !== 100) {
      ctx.addIssue({
        code: "custom",
        path: ["steps"],
        message: `the last step must be 100 so a rollout ends fully promoted; got [${steps.join(", ")}]`,
      });
    }
    if (Array.isArray(plan.bakeSeconds) && plan.bakeSeconds.length !== steps.length) {
      ctx.addIssue({
        code: "custom",
        path: ["bakeSeconds"],
        message: `a list of bake times needs one entry per step (${steps.length}); got ${plan.bakeSeconds.length}`,
      });
    }
    if (plan.maxStepSeconds !== undefined) {
      const longestBake = Math.max(
        ...(Array.isArray(plan.bakeSeconds) ? plan.bakeSeconds : [plan.bakeSeconds]),
      );
      if (plan.maxStepSeconds < longestBake) {
        ctx.addIssue({
          code: "custom",
          path: ["maxStepSeconds"],
          message: `maxStepSeconds (${plan.maxStepSeconds}) is shorter than the longest bake (${longestBake}); raise it or shorten bakeSeconds`,
        });
      }
    }
  });

export type RolloutPlanConfig = z.infer<typeof RolloutPlanSchema>;
export type RolloutPlanInput = z.input<typeof RolloutPlanSchema>;

export const PLAN_PROFILES: Record<"prod" | "staging", RolloutPlanInput> = {
  prod: {
    steps: [5, 10, 25, 50, 100],
    bakeSeconds: 900,
    checkIntervalSeconds: 60,
    analysis: "sequential",
    // "Sampled every 60 seconds. After sampling, data is not visible for up to 240 seconds."
    ingestionDelaySeconds: 240,
  },
  staging: {
    steps: [10, 50, 100],
    bakeSeconds: 300,
    checkIntervalSeconds: 60,
    analysis: "sequential",
    // CloudWatch's 1-minute ALB metrics arrive ~2 min late, and each metric on its own: a period read
    // before its 2xx count lands would count its requests as failed (docs/cloud-edges.md).
    ingestionDelaySeconds: 180,
  },
};
