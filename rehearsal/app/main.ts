import { parseArgs } from "node:util";
import { createApp } from "./server";

/**
 * Entry point of one rehearsal app process (a stand-in for one Cloud Run revision):
 *   tsx rehearsal/app/main.ts --port 9591 --service ion-api --revision ion-api-v1-4-0
 */
const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string" },
    service: { type: "string" },
    revision: { type: "string" },
    "health-path": { type: "string", default: "/health" },
    // An image "built" with a failing health endpoint (the stage file's local.images gives it).
    "health-status": { type: "string", default: "200" },
    "memory-limit-mb": { type: "string", default: "512" },
    "utilisation-sample-ms": { type: "string", default: "1000" },
  },
  strict: true,
});

function required(name: "port" | "service" | "revision"): string {
  const value = values[name];
  if (!value) {
    process.stderr.write(`rehearsal app: --${name} is required\n`);
    process.exit(64);
  }
  return value;
}

const port = Number(required("port"));
const app = createApp({
  serviceName: required("service"),
  revisionName: required("revision"),
  healthPath: values["health-path"] ?? "/health",
  initialFaults: { healthStatus: Number(values["health-status"]) },
  memoryLimitBytes: Number(values["memory-limit-mb"]) * 1024 * 1024,
  utilisationSampleMs: Number(values["utilisation-sample-ms"]),
});

app.server.on("error", (error) => {
  process.stderr.write(`rehearsal app ${values.revision}: ${error.message}\n`);
  process.exit(1);
});
app.server.listen(port, values.host, () => {
  process.stdout.write(`rehearsal app ${values.revision} listening on http://${values.host}:${port}\n`);
});

function shutdown(): void {
  app.stopSampling();
  app.server.close(() => process.exit(0));
  app.server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
