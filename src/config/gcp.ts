import { z } from "zod";

export const GcpStageSchema = z
  .object({
    /** Reaches the Cloud Monitoring PromQL URL: a GCP project id, nothing else. */
    project: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "must be a GCP project id (a-z, 0-9, '-')"),
    region: z.string().regex(/^[a-z0-9-]{1,63}$/, "must be a GCP region such as us-central1"),
    /**
     * `revisions`: one Cloud Run service, traffic split between two revisions (canary tagged).
     * `services`: two Cloud Run services behind a global HTTPS load balancer.
     */
    mode: z.enum(["revisions", "services"]).default("revisions"),
    minInstances: z.number().int().min(0).default(1),
    maxInstances: z.number().int().min(1).default(10),
    cpu: z.string().default("1"),
    memory: z.string().default("512Mi"),
    /** Serve the public internet (allUsers invoker). Otherwise only `invokers` may call. */
    public: z.boolean().default(false),
    invokers: z.array(z.string().min(1)).default([]),
    /**
     * Who deploys the stage (the CI's workload-identity service account, people who run `pulumi
     * up`), as IAM members (`serviceAccount:ci@proj.iam.gserviceaccount.com`): each may act as the
     * service's runtime service account (roles/iam.serviceAccountUser on it alone), which Cloud
     * Run requires of whoever creates or updates a revision running as it.
     */
    deployers: z
      .array(
        z
          .string()
          .regex(
            /^(user|serviceAccount|group|principal|principalSet):\S+$/,
            "must be an IAM member such as serviceAccount:ci@PROJECT.iam.gserviceaccount.com",
          ),
      )
      .default([]),
    ingress: z
      .enum([
        "INGRESS_TRAFFIC_ALL",
        "INGRESS_TRAFFIC_INTERNAL_ONLY",
        "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
      ])
      .default("INGRESS_TRAFFIC_ALL"),
    /** Domains for the load balancer's managed certificate (mode `services`). */
    domains: z.array(z.string().min(1)).default([]),
    /** Cloud Run deletion protection; the provider defaults it on. */
    deletionProtection: z.boolean().default(true),
  })
  .strict()
  .superRefine((gcp, ctx) => {
    if (gcp.minInstances > gcp.maxInstances) {
      ctx.addIssue({
        code: "custom",
        path: ["minInstances"],
        message: `minInstances (${gcp.minInstances}) exceeds maxInstances (${gcp.maxInstances})`,
      });
    }
    if (gcp.mode === "services" && gcp.domains.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["domains"],
        message:
          "mode `services` puts an HTTPS load balancer in front; list at least one domain for its managed certificate",
      });
    }
  });

export type GcpStage = z.infer<typeof GcpStageSchema>;
