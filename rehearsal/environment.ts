import { mkdirSync, rmSync } from "node:fs";
import type { Release, StageConfig } from "../src/config";
import { HaproxyTrafficDriver } from "../src/rollout/edges/drivers/haproxy";
import { type AppInstance, startApp } from "./apps";
import { backendServers, pointServer, startHaproxy } from "./haproxy";
import { layoutFor, type RehearsalLayout } from "./layout";
import { recordProcesses } from "./pidfile";
import { assertPortsFree } from "./ports";
import { type ManagedProcess, ProcessGroup } from "./processes";
import { startPrometheus, waitForFirstScrape } from "./prometheus";
import { waitFor } from "./wait";

/**
 * A whole rehearsal environment on loopback: two app revisions (stable, canary), HAProxy in front
 * of them, Prometheus scraping them. Everything it starts belongs to one process group set and
 * is stopped by `stop()`, or left up by `keep()`.
 */
export interface Environment {
  layout: RehearsalLayout;
  group: ProcessGroup;
  haproxy: ManagedProcess;
  prometheus: ManagedProcess;
  driver: HaproxyTrafficDriver;
  sides: { stable: AppInstance; canary: AppInstance };
  /** After a promotion (canary at 100%): the canary's instance becomes stable, the old stable stops. */
  adoptCanaryAsStable(): Promise<void>;
  /** Deploys a new canary revision beside stable, at weight 0 (a new Cloud Run revision with no traffic). */
  deployCanary(release: Release): Promise<AppInstance>;
  stop(): Promise<void>;
  /** Leaves every process running (`--keep`); the pid file lets a later run stop them. */
  keep(): void;
}

export interface EnvironmentOptions {
  cfg: StageConfig;
  /** Generated configs, logs, Prometheus data: `.rehearsal/` for the rehearsal, a temp dir for tests. */
  workDir: string;
  projectDir?: string;
  /** Progress lines ("starting Prometheus ..."). */
  log?: (line: string) => void;
}

export async function startEnvironment(options: EnvironmentOptions): Promise<Environment> {
  const { cfg } = options;
  const layout = layoutFor(cfg, options.workDir, options.projectDir);
  const log = options.log ?? (() => undefined);
  mkdirSync(layout.logDir, { recursive: true });
  await assertPortsFree(layout);
  const group = new ProcessGroup();
  const [stablePort, canaryPort] = layout.local.appPorts;
  try {
    log(
      `starting apps ${cfg.releases.stable.name} (:${stablePort}) and ${cfg.releases.canary.name} (:${canaryPort})`,
    );
    const [stable, canary] = await Promise.all([
      startApp(group, layout, cfg.releases.stable, stablePort),
      startApp(group, layout, cfg.releases.canary, canaryPort),
    ]);
    log(`starting HAProxy on ${layout.frontendUrl} (runtime API ${layout.haproxySocket})`);
    const haproxy = await startHaproxy(group, layout, {
      stablePort,
      canaryPort,
      canaryWeight: cfg.canaryWeight,
    });
    log(
      `starting Prometheus on ${layout.prometheusUrl} (scrape every ${layout.local.scrapeIntervalSeconds} s)`,
    );
    const prometheus = await startPrometheus(group, layout);
    await waitForFirstScrape(layout, prometheus);
    recordProcesses(layout.pidFile, group.all);

    const driver = HaproxyTrafficDriver.forStage(cfg, layout.projectDir);
    const sides = { stable, canary };
    const environment: Environment = {
      layout,
      group,
      haproxy,
      prometheus,
      driver,
      sides,
      async adoptCanaryAsStable() {
        const old = sides.stable;
        // Both servers on the promoted revision, then all weight back on the stable server.
        await pointServer(layout, layout.local.stableServer, sides.canary.port);
        await driver.apply({
          canaryWeight: 0,
          releases: { stable: sides.canary.release, canary: sides.canary.release },
          rolloutInProgress: false,
          reason: `retire ${old.release.name}: ${sides.canary.release.name} is stable`,
        });
        sides.stable = sides.canary;
        await old.process.stop();
        recordProcesses(layout.pidFile, group.all);
      },
      async deployCanary(release) {
        const port = layout.local.appPorts.find((p) => p !== sides.stable.port) as number;
        if (sides.canary.port === port && sides.canary.process.running) await sides.canary.process.stop();
        const weight = await driver.currentCanaryWeight();
        if (weight !== 0) throw new Error(`cannot deploy a new canary while the canary serves ${weight}%`);
        const app = await startApp(group, layout, release, port);
        await pointServer(layout, layout.local.canaryServer, port);
        // HAProxy's health check must see the new revision before traffic may move to it.
        await waitFor(
          async () =>
            (await backendServers(layout)).find((s) => s.name === layout.local.canaryServer)?.status === "UP"
              ? true
              : undefined,
          { what: `HAProxy to mark ${release.name} UP`, timeoutMs: 10_000 },
        );
        sides.canary = app;
        recordProcesses(layout.pidFile, group.all);
        return app;
      },
      async stop() {
        await group.stopAll();
        rmSync(layout.pidFile, { force: true });
      },
      keep() {
        recordProcesses(layout.pidFile, group.all);
        group.release();
      },
    };
    return environment;
  } catch (error) {
    await group.stopAll();
    throw error;
  }
}
