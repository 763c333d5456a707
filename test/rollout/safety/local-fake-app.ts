import { createServer } from "node:http";
import { parseArgs } from "node:util";

/**
 * The smallest app the local driver can deploy (local.appEntry of the fakes' stage): it takes the
 * arguments LocalApps passes and answers its health path with its revision name, as the rehearsal
 * app does, without the rehearsal app's metrics and faults (its start is on every CLI test's path).
 */
const { values } = parseArgs({
  options: {
    port: { type: "string" },
    service: { type: "string" },
    revision: { type: "string" },
    "health-path": { type: "string", default: "/health" },
  },
  strict: true,
});

const server = createServer((req, res) => {
  const found = req.url === values["health-path"];
  res.writeHead(found ? 200 : 404, { "content-type": "application/json" });
  res.end(JSON.stringify(found ? { status: "ok", revision: values.revision } : { error: "not found" }));
});
server.listen(Number(values.port), "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
