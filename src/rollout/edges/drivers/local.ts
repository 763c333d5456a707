import { isAbsolute, resolve } from "node:path";
import type { Release, StageConfig } from "../../../config";
import { haproxyServers } from "../probes/haproxy-servers";
import { abortableSleep } from "../sleep";
import type { DeployedReleases, TrafficChange, TrafficDriver } from "../types";
import { HaproxyTrafficDriver } from "./haproxy";
import { answeringRevision, LocalApps } from "./local-apps";

/**
 * The local platform (`platform: local`, the rehearsal): HAProxy's runtime API for the split, and
 * app processes for the releases. Deploying a canary starts its app on the port stable does not
 * use (stopping the previous canary the driver recorded there), points HAProxy's canary server at
 * it while its weight is 0, and waits until it answers with its own revision name: the order a
 * Cloud Run revision deployed with no traffic follows.
 */
export interface LocalDriverOptions {
  haproxy: HaproxyTrafficDriver;
  apps: LocalApps;
  socketPath: string;
  backend: string;
  stableServer: string;
  canaryServer: string;
  appPorts: readonly number[];
  healthPath: string;
  readyTimeoutMs?: number;
}

const READY_POLL_MS = 100;

export class LocalTrafficDriver implements TrafficDriver {
  readonly description: string;

  constructor(private readonly options: LocalDriverOptions) {
    this.description = `${options.haproxy.description}, local apps on :${options.appPorts.join(", :")}`;
  }

  /** The driver a `platform: local` stage describes; relative paths are relative to `projectDir`. */
  static forStage(cfg: StageConfig, projectDir = process.cwd()): LocalTrafficDriver {
    if (!cfg.local) throw new Error(`stage ${cfg.stage} has no local block; the local driver needs one`);
    const local = cfg.local;
    const absolute = (path: string) => (isAbsolute(path) ? path : resolve(projectDir, path));
    return new LocalTrafficDriver({
      haproxy: HaproxyTrafficDriver.forStage(cfg, projectDir),
      apps: new LocalApps({
        registry: absolute(local.appsFile),
        projectDir,
        entry: local.appEntry,
        serviceName: cfg.service.name,
        healthPath: cfg.service.healthPath,
        imageArgs: local.images,
      }),
      socketPath: absolute(local.haproxySocket),
      backend: local.backend,
      stableServer: local.stableServer,
      canaryServer: local.canaryServer,
      appPorts: local.appPorts,
      healthPath: cfg.service.healthPath,
    });
  }

  apply(change: TrafficChange, signal?: AbortSignal): Promise<void> {
    return this.options.haproxy.apply(change, signal);
  }

  currentCanaryWeight(): Promise<number | undefined> {
    return this.options.haproxy.currentCanaryWeight();
  }

  async deployCanary(releases: DeployedReleases, signal?: AbortSignal): Promise<void> {
    const { options } = this;
    const release = releases.canary;
    const weight = await options.haproxy.currentCanaryWeight();
    if (weight !== 0) {
      throw new Error(
        `cannot deploy ${release.name} while the canary serves ${weight}%: a canary is deployed at 0% only`,
      );
    }
    const servers = await haproxyServers(options.socketPath, options.backend, signal);
    const stablePort = servers[options.stableServer]?.port;
    const port = options.appPorts.find((p) => p !== stablePort);
    if (port === undefined)
      throw new Error(`no app port other than stable's :${stablePort} in local.appPorts`);
    if ((await answeringRevision(port, options.healthPath, signal)) !== release.name) {
      await options.apps.stopOn(port);
      const squatter = await answeringRevision(port, options.healthPath, signal);
      if (squatter !== undefined) {
        throw new Error(
          `port ${port} (local.appPorts) is held by revision ${squatter}, which this driver did not start (it is not in local.appsFile); stop it first`,
        );
      }
      options.apps.start(release, port);
    }
    await options.haproxy.pointServer(options.canaryServer, port, signal);
  }

  /** Until the app behind HAProxy's canary server answers with `release`'s revision name. */
  async waitReady(release: Release, signal?: AbortSignal): Promise<string> {
    const { options } = this;
    const servers = await haproxyServers(options.socketPath, options.backend, signal);
    const port = servers[options.canaryServer]?.port ?? 0;
    const timeoutMs = options.readyTimeoutMs ?? 15_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answering = await answeringRevision(port, options.healthPath, signal);
      if (answering === release.name)
        return `${release.name} answers on 127.0.0.1:${port}, behind HAProxy server ${options.canaryServer} at weight 0`;
      if (Date.now() >= deadline) {
        throw new Error(
          `${release.name} did not answer on 127.0.0.1:${port}${options.healthPath} within ${timeoutMs} ms (${answering ? `revision ${answering} answers` : "nothing answers"}); its log is in the logs/ directory beside local.appsFile`,
        );
      }
      await abortableSleep(READY_POLL_MS, signal);
    }
  }
}
