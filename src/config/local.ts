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
    /**
     * The local app a release runs: this entry point, started by the rollout's driver with
     * `node --import tsx` when it deploys a canary (relative to the project).
     */
    appEntry: safePath.default("rehearsal/app/main.ts"),
    /**
     * Extra arguments per image: how the local platform "builds" an image that differs from the
     * others, e.g. `local/ion-api:1.7.0: ["--health-status", "503"]` (its /health fails).
     */
    images: z.record(z.string().min(1), z.array(z.string().max(200)).max(20)).default({}),
    /** Where the driver records the app processes it started (pid, port, revision), relative to the project. */
    appsFile: safePath.default(".rehearsal/apps.json"),
    /**
     * The rehearsal's Cloud Monitoring (rehearsal/cloud-monitoring/): a fake of the Monitoring API
     * on loopback whose DELTA points come from the apps' own counters, one per sampling period,
     * visible `visibleAfterSeconds` after the period ends. When set, the runner counts requests,
     * errors and slow requests through it exactly as prod does (timeSeries.list, ALIGN_SUM per
     * period, past `rollout.ingestionDelaySeconds`); Prometheus still serves P95, memory and CPU.
     */
    cloudMonitoring: z
      .object({
        url: z.string().url(),
        project: z.string().min(1).max(100).default("rehearsal"),
        /** Cloud Run samples every 60 s; compressed like every other timing of the stage. */
        samplingPeriodSeconds: z.number().int().min(1).max(60).default(1),
        visibleAfterSeconds: z.number().min(0).max(600).default(0),
      })
      .strict()
      .optional(),
    /** Steady user load the rehearsal sends through HAProxy. */
    loadRequestsPerSecond: z.number().int().min(1).max(10_000).default(200),
  })
  .strict();

export type LocalStage = z.infer<typeof LocalStageSchema>;
