import { join } from "node:path";
import type { RehearsalLayout } from "./layout";
import type { ManagedProcess, ProcessGroup } from "./processes";
import { httpOk, waitFor } from "./wait";

/** Where the rehearsal's Cloud Monitoring listens, from `local.cloudMonitoring.url` (loopback only). */
export function cloudMonitoringPort(layout: RehearsalLayout): number | undefined {
  const monitoring = layout.local.cloudMonitoring;
  if (!monitoring) return undefined;
  const url = new URL(monitoring.url);
  if (!["127.0.0.1", "localhost"].includes(url.hostname)) {
    throw new Error(`local.cloudMonitoring.url must be on loopback (127.0.0.1), got ${monitoring.url}`);
  }
  return Number(url.port || 80);
}

/**
 * Starts the rehearsal's Cloud Monitoring (rehearsal/cloud-monitoring/main.ts) sampling both app
 * ports, and waits until it answers. Undefined when the stage has no `local.cloudMonitoring`.
 */
export async function startCloudMonitoring(
  group: ProcessGroup,
  layout: RehearsalLayout,
  timeoutMs = 30_000,
): Promise<ManagedProcess | undefined> {
  const monitoring = layout.local.cloudMonitoring;
  const port = cloudMonitoringPort(layout);
  if (!monitoring || port === undefined) return undefined;
  const process_ = group.start(
    "cloud-monitoring",
    process.execPath,
    [
      "--import",
      "tsx",
      join(layout.projectDir, "rehearsal", "cloud-monitoring", "main.ts"),
      "--port",
      String(port),
      "--project",
      monitoring.project,
      "--targets",
      layout.local.appPorts.join(","),
      "--sampling-ms",
      String(monitoring.samplingPeriodSeconds * 1000),
      "--visible-after-ms",
      String(Math.round(monitoring.visibleAfterSeconds * 1000)),
    ],
    { cwd: layout.projectDir, logFile: `${layout.logDir}/cloud-monitoring.log` },
  );
  const health = `http://127.0.0.1:${port}/health`;
  await waitFor(() => httpOk(health), {
    what: `the rehearsal's Cloud Monitoring at ${health}`,
    timeoutMs,
    process: process_,
    intervalMs: 200,
  });
  return process_;
}
