import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

/**
 * Linux's ephemeral range (`net.ipv4.ip_local_port_range`): ports it hands to `listen(0)` and to
 * every outgoing connection. A port taken from it and released is soon someone's connection, so
 * HAProxy or Prometheus started on it later failed with "Address already in use" under load.
 */
export function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/);
    if (low && high) return [Number(low), Number(high)];
  } catch {
    // Not Linux: its usual default.
  }
  return [32768, 60999];
}

/** Below the ephemeral range: only a process that asks for one of these by number gets it. */
const OWN_PORTS = { low: 20_000, high: 32_767 };

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * Ports free now and outside the ephemeral range, so no outgoing connection or `listen(0)` takes
 * one before the test's servers bind it. Random over ~12,700 ports, so test files running side by
 * side seldom pick the same one, and one found taken is skipped.
 */
export async function freePorts(count: number, within = OWN_PORTS): Promise<number[]> {
  const [ephemeralLow] = ephemeralRange();
  const { low } = within;
  const high = Math.min(within.high, ephemeralLow - 1);
  const ports: number[] = [];
  for (let tries = 0; ports.length < count; tries++) {
    if (tries > 1000) throw new Error(`no free port in ${low}-${high} after 1000 tries`);
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (!ports.includes(port) && (await bindable(port))) ports.push(port);
  }
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
