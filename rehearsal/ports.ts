import { createServer } from "node:net";
import { cloudMonitoringPort } from "./cloud-monitoring-process";
import type { RehearsalLayout } from "./layout";

/**
 * Checks up front that every loopback port the environment needs is free, so a clash (a kept
 * rehearsal, another service) is one clear message instead of a child process dying mid-start.
 */
function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

export async function assertPortsFree(layout: RehearsalLayout): Promise<void> {
  const wanted: [string, number][] = [
    ["HAProxy frontend (local.frontendPort)", layout.local.frontendPort],
    ["HAProxy stats (local.statsPort)", layout.local.statsPort],
    ["Prometheus (local.prometheusUrl)", layout.prometheusPort],
    ...layout.local.appPorts.map((port, i): [string, number] => [`app (local.appPorts[${i}])`, port]),
  ];
  const monitoring = cloudMonitoringPort(layout);
  if (monitoring !== undefined) wanted.push(["Cloud Monitoring (local.cloudMonitoring.url)", monitoring]);
  const taken: string[] = [];
  for (const [what, port] of wanted) if (!(await free(port))) taken.push(`${port} (${what})`);
  if (taken.length > 0) {
    throw new Error(
      `loopback port${taken.length > 1 ? "s" : ""} in use: ${taken.join(", ")}. A rehearsal left by --keep? Stop it with \`npm run rehearse -- --stop\`; otherwise pick other ports in the stage file's local block.`,
    );
  }
}
