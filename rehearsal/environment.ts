import { mkdirSync, rmSync } from "node:fs";
import type { Release, StageConfig } from "../src/config";
import { HaproxyTrafficDriver } from "../src/rollout/edges/drivers/haproxy";
import type { LocalApps } from "../src/rollout/edges/drivers/local-apps";
import { type AppInstance, localAppsOf, startApp } from "./apps";
import { startCloudMonitoring } from "./cloud-monitoring-process";
import { startHaproxy } from "./haproxy";
import { layoutFor, type RehearsalLayout } from "./layout";
import { recordProcesses } from "./pidfile";
import { assertPortsFree } from "./ports";
import { type ManagedProcess, ProcessGroup } from "./processes";
import { startPrometheus, waitForFirstScrape } from "./prometheus";

/**
 * A whole rehearsal environment on loopback: the stable app revision, HAProxy in front of it with
 * an empty canary server at weight 0, Prometheus scraping the apps, and (`local.cloudMonitoring`)
 * the apps' counts served as Cloud Monitoring's DELTA points, which the runner counts from. Canaries are the runner's:
 * `ion-rollout start` deploys each release at 0% through the local driver (src/rollout/edges/
 * drivers/local.ts), exactly as prod's driver deploys a Cloud Run revision. Everything started
 * is stopped by `stop()` (the driver's apps too, from `local.appsFile`), or left up by `keep()`.
 */
export interface Environment {
  layout: RehearsalLayout;
  group: ProcessGroup;
  haproxy: ManagedProcess;
  prometheus: ManagedProcess;
  driver: HaproxyTrafficDriver;
  /** Stable's app, and the canary's address (the app port stable does not use: whatever the runner deployed there). */
  sides: { stable: AppInstance; readonly canary: { port: number; url: string } };
  /** After a promotion (canary at 100%): the canary's app becomes stable, the old stable stops. */
  adoptCanaryAsStable(release: Release): Promise<void>;
  stop(): Promise<void>;
  /** Leaves every process running (`--keep`); the pid files let a later run stop them. */
  keep(): void;
}

export interface EnvironmentOptions {
  cfg: StageConfig;
  /** Generated configs, logs, Prometheus data: `.rehearsal/` for the rehearsal, a temp dir for tests. */
  workDir: string;
  projectDir?: string;
  /**
   * A canary already deployed at 0% when the environment starts, as an earlier rollout would have
   * left it (tests and the benchmark); the rehearsal starts with none and lets the runner deploy.
   */
  previousCanary?: Release;
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
  const apps = localAppsOf(layout);
  const [stablePort, canaryPort] = layout.local.appPorts;
  try {
    log(`starting app ${cfg.releases.stable.name} (:${stablePort})`);
    const stable = await startApp(apps, layout, cfg.releases.stable, stablePort);
    if (options.previousCanary) {
      log(`starting the previous canary ${options.previousCanary.name} (:${canaryPort}) at 0%`);
      await startApp(apps, layout, options.previousCanary, canaryPort);
    }
    log(`starting HAProxy on ${layout.frontendUrl} (runtime API ${layout.haproxySocket})`);
    const haproxy = await startHaproxy(group, layout, { stablePort, canaryPort, canaryWeight: 0 });
    log(
      `starting Prometheus on ${layout.prometheusUrl} (scrape every ${layout.local.scrapeIntervalSeconds} s)`,
    );
    const prometheus = await startPrometheus(group, layout);
    await waitForFirstScrape(layout, prometheus, options.previousCanary ? 2 : 1);
    const monitoring = layout.local.cloudMonitoring;
    if (monitoring) {
      log(
        `starting Cloud Monitoring on ${monitoring.url} (DELTA points every ${monitoring.samplingPeriodSeconds} s, visible ${monitoring.visibleAfterSeconds} s after)`,
      );
      await startCloudMonitoring(group, layout);
    }
    recordProcesses(layout.pidFile, group.all);
    const driver = HaproxyTrafficDriver.forStage(cfg, layout.projectDir);
    return environmentOf(layout, group, apps, { haproxy, prometheus, stable, driver });
  } catch (error) {
    await group.stopAll();
    await apps.stopAll();
    throw error;
  }
}

function environmentOf(
  layout: RehearsalLayout,
  group: ProcessGroup,
  apps: LocalApps,
  started: {
    haproxy: ManagedProcess;
    prometheus: ManagedProcess;
    stable: AppInstance;
    driver: HaproxyTrafficDriver;
  },
): Environment {
  const { driver } = started;
  const otherPort = (port: number) => layout.local.appPorts.find((p) => p !== port) as number;
  const sides = {
    stable: started.stable,
    get canary() {
      const port = otherPort(sides.stable.port);
      return { port, url: `http://127.0.0.1:${port}` };
    },
  };
  return {
    layout,
    group,
    haproxy: started.haproxy,
    prometheus: started.prometheus,
    driver,
    sides,
    async adoptCanaryAsStable(release) {
      const old = sides.stable;
      const promoted = sides.canary;
      // Both servers on the promoted revision, then all weight back on the stable server.
      await driver.pointServer(layout.local.stableServer, promoted.port);
      await driver.apply({
        canaryWeight: 0,
        releases: { stable: release, canary: release },
        rolloutInProgress: false,
        reason: `retire ${old.release.name}: ${release.name} is stable`,
      });
      sides.stable = { release, port: promoted.port, url: promoted.url };
      await apps.stopOn(old.port);
    },
    async stop() {
      await group.stopAll();
      await apps.stopAll();
      rmSync(layout.pidFile, { force: true });
    },
    keep() {
      recordProcesses(layout.pidFile, group.all);
      group.release();
    },
  };
}
