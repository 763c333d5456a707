import { z } from "zod";

/** The local rehearsal: HAProxy in front of two app instances, Prometheus scraping them. */
export const LocalStageSchema = z
  .object({
    haproxySocket: z.string().min(1).default(".rehearsal/haproxy.sock"),
    backend: z.string().min(1).default("app"),
    stableServer: z.string().min(1).default("stable"),
    canaryServer: z.string().min(1).default("canary"),
    prometheusUrl: z.string().url().default("http://127.0.0.1:9590"),
  })
  .strict();

export type LocalStage = z.infer<typeof LocalStageSchema>;
