import { parseArgs } from "node:util";
import { AppSampler } from "./app-sampler";
import { DeltaPointStore } from "./delta-store";
import { monitoringServer } from "./server";

/**
 * The rehearsal's Cloud Monitoring (one process, started by rehearsal/environment.ts):
 *   node --import tsx rehearsal/cloud-monitoring/main.ts --port 9593 --project rehearsal \
 *     --targets 9591,9592 --sampling-ms 1000 --visible-after-ms 2000
 * Samples the apps at every period boundary and serves timeSeries.list on 127.0.0.1.
 */
const { values } = parseArgs({
  options: {
    port: { type: "string" },
    project: { type: "string", default: "rehearsal" },
    targets: { type: "string" },
    "sampling-ms": { type: "string", default: "1000" },
    "visible-after-ms": { type: "string", default: "0" },
  },
});
const samplingMs = Number(values["sampling-ms"]);
const store = new DeltaPointStore(samplingMs);
const sampler = new AppSampler({
  store,
  targets: String(values.targets ?? "")
    .split(",")
    .filter(Boolean)
    .map((port) => `http://127.0.0.1:${Number(port)}/metrics`),
  visibleAfterMs: Number(values["visible-after-ms"]),
  log: (line) => console.error(`${new Date().toISOString()} ${line}`),
});
const server = monitoringServer(store, String(values.project));

/** Samples at each period boundary (a few ms after it, so the period's requests are in). */
function scheduleNext(): void {
  const boundary = (Math.floor(Date.now() / samplingMs) + 1) * samplingMs;
  setTimeout(
    () => {
      void sampler.sampleAt(boundary).finally(scheduleNext);
    },
    boundary - Date.now() + 5,
  );
}

server.listen(Number(values.port), "127.0.0.1", () => {
  console.error(`cloud monitoring fake on 127.0.0.1:${values.port}, sampling every ${samplingMs} ms`);
  scheduleNext();
});
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));
