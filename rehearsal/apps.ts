import { isAbsolute, resolve } from "node:path";
import type { Release } from "../src/config";
import { answeringRevision, LocalApps } from "../src/rollout/edges/drivers/local-apps";
import type { Faults } from "./app/faults";
import type { AppStats } from "./app/server";
import type { RehearsalLayout } from "./layout";
import { waitFor } from "./wait";

/** One revision of the rehearsal app on a loopback port (started by the harness or by the runner's driver). */
export interface AppInstance {
  release: Release;
  port: number;
  url: string;
}

/** The app processes of an environment, recorded where the local driver records its own. */
export function localAppsOf(layout: RehearsalLayout): LocalApps {
  const local = layout.local;
  return new LocalApps({
    registry: isAbsolute(local.appsFile) ? local.appsFile : resolve(layout.projectDir, local.appsFile),
    projectDir: layout.projectDir,
    entry: local.appEntry,
    serviceName: layout.serviceName,
    healthPath: layout.healthPath,
    imageArgs: local.images,
  });
}

/** Starts `release` on `port` and waits until it answers with its own revision name. */
export async function startApp(
  apps: LocalApps,
  layout: RehearsalLayout,
  release: Release,
  port: number,
  timeoutMs = 15_000,
): Promise<AppInstance> {
  apps.start(release, port);
  const url = `http://127.0.0.1:${port}`;
  // The right revision, not a leftover process on the same port.
  await waitFor(
    async () => ((await answeringRevision(port, layout.healthPath)) === release.name ? true : undefined),
    { what: `app ${release.name} answering on ${url}`, timeoutMs },
  );
  return { release, port, url };
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
