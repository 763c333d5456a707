import { createServer, type Server } from "node:http";
import type { DeltaPointStore } from "./delta-store";

/**
 * The Monitoring API v3 surface the runner calls, over HTTP on loopback:
 * `GET /v3/projects/<project>/timeSeries` (projects.timeSeries.list) and `GET /health`.
 * Anything else is 404, in the API's error shape.
 */
export function monitoringServer(store: DeltaPointStore, project: string, now = Date.now): Server {
  return createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.method === "GET" && url.pathname === "/health") return send(200, { ok: true });
    if (
      request.method === "GET" &&
      url.pathname === `/v3/projects/${encodeURIComponent(project)}/timeSeries`
    ) {
      const answer = store.list(url.searchParams, now());
      return send(answer.status, answer.body);
    }
    send(404, { error: { code: 404, message: `no such path ${url.pathname}`, status: "NOT_FOUND" } });
  });
}
