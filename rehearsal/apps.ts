import { join } from "node:path";
import type { Release } from "../src/config";
import type { Faults } from "./app/faults";
import type { AppStats } from "./app/server";
import type { RehearsalLayout } from "./layout";
import type { ManagedProcess, ProcessGroup } from "./processes";
import { httpOk, waitFor } from "./wait";

/** One running revision of the rehearsal app. */
export interface AppInstance {
  release: Release;
  port: number;
  url: string;
  process: ManagedProcess;
}

const APP_MAIN = join(__dirname, "app", "main.ts");

export async function startApp(
  group: ProcessGroup,
  layout: RehearsalLayout,
  release: Release,
  port: number,
  timeoutMs = 15_000,
): Promise<AppInstance> {
  // Node itself with tsx's loader (not the tsx wrapper): the process we signal is the app.
  const process = group.start(
    `app ${release.name}`,
    globalThis.process.execPath,
    [
      "--import",
      "tsx",
      APP_MAIN,
      "--port",
      String(port),
      "--service",
      layout.serviceName,
      "--revision",
      release.name,
      "--health-path",
      layout.healthPath,
    ],
    { cwd: layout.projectDir, logFile: join(layout.logDir, `app-${release.name}.log`) },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      const body = await httpOk(`${url}${layout.healthPath}`);
      // The right revision, not a leftover process on the same port.
      return body && (JSON.parse(body) as { revision?: string }).revision === release.name ? true : undefined;
    },
    { what: `app ${release.name} healthy on ${url}`, timeoutMs, process },
  );
  return { release, port, url, process };
}

/** Switches faults on (or off, with `{ errorRate: 0, ... }`) in a running app. */
export async function setFaults(app: { url: string }, faults: Partial<Faults>): Promise<Faults> {
  const response = await fetch(`${app.url}/admin/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(faults),
    signal: AbortSignal.timeout(2_000),
  });
  const body = (await response.json()) as Faults & { error?: string };
  if (!response.ok) throw new Error(`setting faults on ${app.url}: ${body.error ?? response.status}`);
  return body;
}

export async function appStats(app: { url: string }): Promise<AppStats> {
  const response = await fetch(`${app.url}/admin/stats`, { signal: AbortSignal.timeout(2_000) });
  return (await response.json()) as AppStats;
}
