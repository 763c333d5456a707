import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Release } from "../../../config";
import { abortableSleep } from "../sleep";

/**
 * The local platform's "revisions": one app process per deployed release on a loopback port,
 * started detached so it outlives the `ion-rollout` process that deployed it (a Cloud Run revision
 * outlives its deploy too). Every process is recorded in `registry` (pid, port, revision, command
 * line), so the next deploy on its port, and whoever tears the environment down, stops exactly it:
 * a pid that now runs another command is left alone.
 */
/**
 * tsx's loader as ion-rollout's own install resolves it: the app runs in the project directory
 * (the stage file's), which need not have a node_modules of its own.
 */
function tsxLoader(): string {
  return pathToFileURL(require.resolve("tsx")).href;
}

export interface LocalAppsOptions {
  /** The registry file (JSON); app logs go beside it in `logs/`. */
  registry: string;
  projectDir: string;
  /** The app's entry point, run with `node --import tsx`. */
  entry: string;
  serviceName: string;
  healthPath: string;
  /** Extra arguments per image (`local.images`). */
  imageArgs: Record<string, string[]>;
}

export interface RecordedApp {
  pid: number;
  port: number;
  revision: string;
  command: string;
}

const STOP_GRACE_MS = 3_000;
const POLL_MS = 100;

function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
  } catch {
    return undefined;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Gone already.
  }
}

export class LocalApps {
  constructor(private readonly options: LocalAppsOptions) {}

  recorded(): RecordedApp[] {
    if (!existsSync(this.options.registry)) return [];
    try {
      return JSON.parse(readFileSync(this.options.registry, "utf8")) as RecordedApp[];
    } catch {
      return [];
    }
  }

  private write(apps: RecordedApp[]): void {
    mkdirSync(dirname(this.options.registry), { recursive: true });
    writeFileSync(this.options.registry, `${JSON.stringify(apps, null, 2)}\n`);
  }

  /** Starts `release` on `port`, detached, and records it; resolves once the process runs. */
  start(release: Release, port: number): RecordedApp {
    const { options } = this;
    const args = [
      "--import",
      tsxLoader(),
      resolve(options.projectDir, options.entry),
      "--port",
      String(port),
      "--service",
      options.serviceName,
      "--revision",
      release.name,
      "--health-path",
      options.healthPath,
      ...(options.imageArgs[release.image] ?? []),
    ];
    const logFile = join(dirname(options.registry), "logs", `app-${release.name}.log`);
    mkdirSync(dirname(logFile), { recursive: true });
    const log = openSync(logFile, "a");
    try {
      const child = spawn(process.execPath, args, {
        cwd: options.projectDir,
        detached: true,
        stdio: ["ignore", log, log],
      });
      if (child.pid === undefined) throw new Error(`could not start the app for ${release.name}`);
      child.on("error", () => undefined);
      child.unref();
      const app = {
        pid: child.pid,
        port,
        revision: release.name,
        command: [process.execPath, ...args].join(" "),
      };
      this.write([...this.recorded().filter((a) => a.port !== port), app]);
      return app;
    } finally {
      closeSync(log);
    }
  }

  /** Stops the recorded app on `port` (its process group), if it is still the one recorded. */
  async stopOn(port: number): Promise<RecordedApp | undefined> {
    const app = this.recorded().find((a) => a.port === port);
    if (!app) return undefined;
    await this.stop(app);
    this.write(this.recorded().filter((a) => a.port !== port));
    return app;
  }

  /** Stops every recorded app; returns what was stopped. */
  async stopAll(): Promise<RecordedApp[]> {
    const apps = this.recorded();
    await Promise.all(apps.map((app) => this.stop(app)));
    this.write([]);
    return apps;
  }

  private async stop(app: RecordedApp): Promise<void> {
    if (commandOf(app.pid) !== app.command) return;
    signalGroup(app.pid, "SIGTERM");
    const deadline = Date.now() + STOP_GRACE_MS;
    while (commandOf(app.pid) === app.command && Date.now() < deadline) await abortableSleep(POLL_MS);
    signalGroup(app.pid, "SIGKILL");
  }
}

/**
 * The revision answering on `port`'s health path, whatever its status (a failing /health still
 * names its revision), or undefined when nothing answers.
 */
export async function answeringRevision(
  port: number,
  healthPath: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  try {
    const timeout = AbortSignal.timeout(1_000);
    const response = await fetch(`http://127.0.0.1:${port}${healthPath}`, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const body = (await response.json()) as { revision?: unknown };
    return typeof body.revision === "string" ? body.revision : undefined;
  } catch {
    return undefined;
  }
}
