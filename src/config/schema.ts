import { z } from "zod";
import { AwsStageSchema } from "./aws";
import { GcpStageSchema } from "./gcp";
import { K8sMonitoringSchema } from "./k8s";
import { LocalStageSchema } from "./local";
import { IMAGE_REF, IMAGE_REF_RULE, STAGE_NAME, STAGE_NAME_RULE } from "./patterns";
import { RolloutPlanSchema } from "./rollout";
import { ThresholdsSchema } from "./thresholds";

const ReleaseSchema = z
  .object({
    /** Container image, pinned by tag or digest. */
    image: z.string().min(1).regex(IMAGE_REF, `must be ${IMAGE_REF_RULE}`),
    /** Cloud Run revision name prefix (mode revisions), service name (mode services) or ECS service suffix. */
    name: z
      .string()
      .regex(
        /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/,
        "must be a lowercase DNS label (a-z, 0-9, '-', <= 63 chars)",
      ),
    /**
     * GCP mode revisions: the Cloud Run revision that serves this release, when it is not the name
     * derived from the current template (`<name>-<template hash>`, see docs/gcp.md).
     */
    revision: z
      .string()
      .regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a Cloud Run revision name (a DNS label)")
      .optional(),
  })
  .strict();

export const NotificationsSchema = z
  .object({
    emails: z.array(z.string().email()).default([]),
    /** Slack channel; its token is the secret config key `slackAuthToken`. */
    slackChannel: z.string().min(1).optional(),
    /** Page on roll-back; the key is the secret config key `pagerdutyServiceKey`. */
    pagerduty: z.boolean().default(false),
  })
  .strict();

/** A bucket store lives on the stage's own cloud, reached with the credentials the runner already has. */
function checkStorePlatform(
  cfg: { platform: string; rollout: { store: { kind: string } } },
  ctx: z.RefinementCtx,
): void {
  const bucketOf: Record<string, string> = { gcp: "gcs", aws: "s3" };
  const kind = cfg.rollout.store.kind;
  if (kind === "directory" || bucketOf[cfg.platform] === kind) return;
  ctx.addIssue({
    code: "custom",
    path: ["rollout", "store", "kind"],
    message: `rollout.store.kind ${kind} does not belong to platform ${cfg.platform}; use ${bucketOf[cfg.platform] ?? "directory"} (or directory for one machine)`,
  });
}

/**
 * The k8s block's rules and panels read Cloud Run's `run_googleapis_com:*` series, which exist only
 * in Cloud Monitoring: only a GCP stage has them (see docs/monitoring.md).
 */
function checkK8sPlatform(cfg: { platform: string; k8s?: { enabled: boolean } }, ctx: z.RefinementCtx): void {
  if (!cfg.k8s?.enabled || cfg.platform === "gcp") return;
  ctx.addIssue({
    code: "custom",
    path: ["k8s"],
    message: `the Kubernetes monitoring objects are supported only on a GCP stage: their rules and panels read Cloud Run's run_googleapis_com:* series, which exist only in Cloud Monitoring (platform is "${cfg.platform}"; its CloudWatch alarms are the alerting backstop); remove the block or set enabled: false`,
  });
}

export const StageConfigSchema = z
  .object({
    /** The stack name (`Pulumi.<stage>.yaml`). */
    stage: z.string().regex(STAGE_NAME, `stage names are ${STAGE_NAME_RULE}`),
    /** Which runbook's defaults apply to thresholds and plan. */
    profile: z.enum(["prod", "staging"]),
    platform: z.enum(["gcp", "aws", "local"]),
    service: z
      .object({
        name: z.string().regex(/^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$/, "must be a lowercase DNS label"),
        port: z.number().int().min(1).max(65_535).default(8080),
        healthPath: z.string().startsWith("/").default("/health"),
      })
      .strict(),
    releases: z.object({ stable: ReleaseSchema, canary: ReleaseSchema }).strict(),
    /** Percent of traffic on the canary; the rest goes to stable. The runner sets this key. */
    canaryWeight: z.number().int().min(0).max(100).default(0),
    /** Set by the runner while it steps weights, so guardrails allow weights past the first step. */
    rolloutInProgress: z.boolean().default(false),
    /** Set by the runner after the retention period; the stable side is no longer declared. */
    oldSideRetired: z.boolean().default(false),
    rollout: RolloutPlanSchema,
    thresholds: ThresholdsSchema,
    notifications: NotificationsSchema.default({ emails: [], pagerduty: false }),
    gcp: GcpStageSchema.optional(),
    aws: AwsStageSchema.optional(),
    local: LocalStageSchema.optional(),
    k8s: K8sMonitoringSchema.optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    checkK8sPlatform(cfg, ctx);
    checkStorePlatform(cfg, ctx);
    if (!cfg[cfg.platform]) {
      ctx.addIssue({
        code: "custom",
        path: [cfg.platform],
        message: `platform is "${cfg.platform}" but there is no ${cfg.platform} block; add ion-deploy:${cfg.platform}`,
      });
    }
    if (
      cfg.releases.stable.name === cfg.releases.canary.name &&
      cfg.canaryWeight > 0 &&
      cfg.canaryWeight < 100
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["releases", "canary", "name"],
        message:
          "canary and stable have the same name, so a split between them means nothing; give the canary its own name",
      });
    }
    if (cfg.oldSideRetired && cfg.canaryWeight !== 100) {
      ctx.addIssue({
        code: "custom",
        path: ["oldSideRetired"],
        message: `oldSideRetired is only valid when canaryWeight is 100 (the canary serves everything); canaryWeight is ${cfg.canaryWeight}`,
      });
    }
    const errorRate = cfg.thresholds.errorRate;
    if (cfg.rollout.analysis === "sequential") {
      if (errorRate.rollbackAbove === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["thresholds", "errorRate", "rollbackAbove"],
          message:
            "rollout.analysis sequential tests the error rate against its roll-back limit; set thresholds.errorRate.rollbackAbove or use analysis: consecutive",
        });
      } else if (errorRate.goAtMost >= errorRate.rollbackAbove) {
        ctx.addIssue({
          code: "custom",
          path: ["thresholds", "errorRate", "goAtMost"],
          message: `rollout.analysis sequential needs thresholds.errorRate.goAtMost (${errorRate.goAtMost}) below rollbackAbove (${errorRate.rollbackAbove}): a healthy canary must be distinguishable from one at the limit`,
        });
      }
    }
    const firstStep = cfg.rollout.steps[0] ?? 100;
    if (!cfg.rolloutInProgress && cfg.canaryWeight > firstStep && cfg.canaryWeight < 100) {
      ctx.addIssue({
        code: "custom",
        path: ["canaryWeight"],
        message: `canaryWeight ${cfg.canaryWeight} is past the first rollout step (${firstStep}) with no rollout in progress; let ion-rollout step it, or set rolloutInProgress while it runs`,
      });
    }
  });

export type StageConfig = z.infer<typeof StageConfigSchema>;
export type StageConfigInput = z.input<typeof StageConfigSchema>;
export type Release = z.infer<typeof ReleaseSchema>;
export type Notifications = z.infer<typeof NotificationsSchema>;

/** Config keys that must hold Pulumi secrets (`pulumi config set --secret`), never plaintext. */
export const SECRET_KEYS = [
  "slackAuthToken",
  "pagerdutyServiceKey",
  "docdbMasterPassword",
  "redisAuthToken",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** Every non-secret key the stage schema accepts, for readers of Pulumi config. */
export const STAGE_KEYS = Object.keys(StageConfigSchema.shape).filter((key) => key !== "stage");
