import { z } from "zod";
import { haproxyName, safePath } from "./patterns";

/** The local rehearsal: HAProxy in front of two app instances, Prometheus scraping them. */
export const LocalStageSchema = z
  .object({
    haproxySocket: safePath.default(".rehearsal/haproxy.sock"),
    backend: haproxyName.default("app"),
    stableServer: haproxyName.default("stable"),
    canaryServer: haproxyName.default("canary"),
    prometheusUrl: z.string().url().default("http://127.0.0.1:9590"),
    /** Loopback ports the rehearsal listens on: HAProxy's frontend and stats page, the two app instances. */
    frontendPort: z.number().int().min(1).max(65_535).default(9580),
    statsPort: z.number().int().min(1).max(65_535).default(9581),
    appPorts: z
      .tuple([z.number().int().min(1).max(65_535), z.number().int().min(1).max(65_535)])
      .default([9591, 9592]),
    /** Prometheus scrape interval; with the check interval it sets how fast a breach can be seen. */
    scrapeIntervalSeconds: z.number().int().min(1).max(60).default(1),
    /** Steady user load the rehearsal sends through HAProxy. */
    loadRequestsPerSecond: z.number().int().min(1).max(10_000).default(200),
  })
  .strict();

export type LocalStage = z.infer<typeof LocalStageSchema>;
