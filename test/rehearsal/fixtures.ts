import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { CONFIG_NAMESPACE, parseStageConfig, readStageFile, type StageConfig } from "../../src/config";

/**
 * Rehearsal tests run real HAProxy, Prometheus and app processes. Each test file gets its own
 * free loopback ports and a temp work dir, so files can run in parallel beside a developer's own
 * `npm run rehearse`, and a stage file there for the CLI.
 */

export const PROJECT_DIR = join(__dirname, "..", "..");

/** Ports the OS says are free now (bound to port 0, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<import("node:net").Server>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as import("node:net").AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

export interface TestStage {
  cfg: StageConfig;
  /** The `ion-deploy:` keys behind `cfg`, for variants of the stage file. */
  raw: Record<string, unknown>;
  workDir: string;
  /** A `Pulumi.rehearsal.yaml` copy with this test's ports and paths, for `--config`. */
  stageFile: string;
  cleanup(): void;
}

/** Writes `ion-deploy:` keys as a Pulumi stack config file. */
export function writeStageFile(path: string, raw: Record<string, unknown>): string {
  const config = Object.fromEntries(
    Object.entries(raw).map(([key, value]) => [`${CONFIG_NAMESPACE}:${key}`, value]),
  );
  writeFileSync(path, stringify({ config }));
  return path;
}

/**
 * The committed rehearsal stage with this test's ports, socket, state dir, and any `ion-deploy:`
 * keys overridden (`rollout` is merged key by key, e.g. a shorter plan).
 */
export async function testStage(overrides: Record<string, unknown> = {}): Promise<TestStage> {
  const workDir = mkdtempSync(join(tmpdir(), "ion-rehearsal-"));
  const [frontend, stats, prometheus, stable, canary, monitoring] = await freePorts(6);
  const base = readStageFile("rehearsal", join(PROJECT_DIR, "Pulumi.rehearsal.yaml")).raw;
  const raw: Record<string, unknown> = {
    ...base,
    local: {
      ...(base.local as Record<string, unknown>),
      haproxySocket: join(workDir, "haproxy.sock"),
      appsFile: join(workDir, "apps.json"),
      // Relative paths resolve against the stage file's directory (this temp dir): the app is the repository's.
      appEntry: join(PROJECT_DIR, String((base.local as Record<string, unknown>).appEntry)),
      prometheusUrl: `http://127.0.0.1:${prometheus}`,
      frontendPort: frontend,
      statsPort: stats,
      appPorts: [stable, canary],
      cloudMonitoring: {
        ...((base.local as Record<string, unknown>).cloudMonitoring as Record<string, unknown>),
        url: `http://127.0.0.1:${monitoring}`,
      },
    },
    ...overrides,
    rollout: {
      ...(base.rollout as Record<string, unknown>),
      stateDir: join(workDir, "state"),
      ...(overrides.rollout as Record<string, unknown> | undefined),
    },
  };
  const cfg = parseStageConfig("rehearsal", raw, "test stage");
  const stageFile = writeStageFile(join(workDir, "Pulumi.rehearsal.yaml"), raw);
  return { cfg, raw, workDir, stageFile, cleanup: () => rmSync(workDir, { recursive: true, force: true }) };
}
