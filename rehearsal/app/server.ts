import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { ErrorPacer, FaultError, type Faults, NO_FAULTS, updateFaults } from "./faults";
import { Counter, Histogram, ProcessStartTime, renderExposition } from "./metrics";

/**
 * The rehearsal app: one Cloud Run revision's worth of behaviour. It serves user requests, exports
 * Cloud Monitoring's Cloud Run metric names with the labels prod's PromQL selects on, answers its
 * health path, and takes faults at runtime from an admin endpoint.
 */
export interface AppOptions {
  serviceName: string;
  revisionName: string;
  healthPath: string;
  /** Nominal container memory limit: RSS over this is the reported memory utilisation. */
  memoryLimitBytes: number;
  /** How often memory and CPU utilisation are observed into their distributions. */
  utilisationSampleMs: number;
  /** Faults the image is "built" with (from its start), e.g. a /health that answers 503. */
  initialFaults?: Partial<Faults>;
}

/** Cloud Run's request latency buckets are exponential; these cover 1 ms..10 s around the runbook limits. */
const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 150, 200, 300, 400, 500, 750, 1000, 2000, 5000, 10000];
const UTILISATION_BUCKETS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1];

export const ADMIN_PREFIX = "/admin/";

export interface AppStats {
  serviceName: string;
  revisionName: string;
  responses: Record<"2xx" | "4xx" | "5xx", number>;
  faults: Faults;
}

export interface App {
  server: Server;
  stats(): AppStats;
  /** Stops the utilisation sampler; the caller closes the server. */
  stopSampling(): void;
}

function codeClass(status: number): "2xx" | "4xx" | "5xx" {
  if (status >= 500) return "5xx";
  if (status >= 400) return "4xx";
  return "2xx";
}

function readBody(request: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
      if (body.length > limit) reject(new FaultError("request body too large"));
    });
    request.on("end", () => resolve(body));
    request.on("error", reject);
  });
}

function sendJson(
  response: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
) {
  const body = `${JSON.stringify(value)}\n`;
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(body);
}

export function createApp(options: AppOptions): App {
  const resource = {
    monitored_resource: "cloud_run_revision",
    service_name: options.serviceName,
    revision_name: options.revisionName,
  };
  const requestCount = new Counter(
    "run_googleapis_com:request_count",
    "Requests served, by response code class (Cloud Run: run.googleapis.com/request_count).",
    resource,
    "response_code_class",
    ["2xx", "4xx", "5xx"],
  );
  const latencies = new Histogram(
    "run_googleapis_com:request_latencies",
    "Request latency in milliseconds (Cloud Run: run.googleapis.com/request_latencies).",
    resource,
    LATENCY_BUCKETS_MS,
  );
  const memory = new Histogram(
    "run_googleapis_com:container_memory_utilizations",
    "Container memory utilisation, 0..1 (Cloud Run: run.googleapis.com/container/memory/utilizations).",
    resource,
    UTILISATION_BUCKETS,
  );
  const cpu = new Histogram(
    "run_googleapis_com:container_cpu_utilizations",
    "Container CPU utilisation, 0..1 (Cloud Run: run.googleapis.com/container/cpu/utilizations).",
    resource,
    UTILISATION_BUCKETS,
  );

  const processStart = new ProcessStartTime(resource, Date.now() / 1000);

  let faults: Faults = updateFaults(NO_FAULTS, options.initialFaults ?? {});
  const pacer = new ErrorPacer();

  // Cloud Run samples utilisation per instance on a timer; so does this.
  let lastCpu = process.cpuUsage();
  let lastAt = process.hrtime.bigint();
  const sampler = setInterval(() => {
    const nowCpu = process.cpuUsage();
    const nowAt = process.hrtime.bigint();
    const cpuMicros = nowCpu.user - lastCpu.user + (nowCpu.system - lastCpu.system);
    const wallMicros = Number(nowAt - lastAt) / 1000;
    lastCpu = nowCpu;
    lastAt = nowAt;
    cpu.observe(Math.min(1, wallMicros > 0 ? cpuMicros / wallMicros : 0));
    memory.observe(faults.memory ?? Math.min(1, process.memoryUsage.rss() / options.memoryLimitBytes));
  }, options.utilisationSampleMs);
  sampler.unref();

  async function admin(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    if (path === "/admin/faults") {
      if (request.method === "GET") return sendJson(response, 200, faults);
      if (request.method === "DELETE") {
        faults = { ...NO_FAULTS };
        return sendJson(response, 200, faults);
      }
      if (request.method === "POST") {
        try {
          faults = updateFaults(faults, JSON.parse((await readBody(request)) || "{}"));
        } catch (error) {
          return sendJson(response, 400, { error: (error as Error).message });
        }
        return sendJson(response, 200, faults);
      }
      return sendJson(response, 405, { error: "use GET, POST or DELETE" });
    }
    if (path === "/admin/stats") return sendJson(response, 200, stats());
    return sendJson(response, 404, { error: `no admin endpoint ${path}` });
  }

  function serveUser(response: ServerResponse, startedAt: bigint): void {
    const failing = pacer.shouldFail(faults.errorRate);
    const finish = () => {
      const status = failing ? 503 : 200;
      sendJson(
        response,
        status,
        failing
          ? { error: "injected fault", revision: options.revisionName }
          : { ok: true, revision: options.revisionName },
        { "x-revision": options.revisionName },
      );
      requestCount.inc(codeClass(status));
      latencies.observe(Number(process.hrtime.bigint() - startedAt) / 1e6);
    };
    if (faults.addedLatencyMs > 0) setTimeout(finish, faults.addedLatencyMs);
    else finish();
  }

  function stats(): AppStats {
    return {
      serviceName: options.serviceName,
      revisionName: options.revisionName,
      responses: {
        "2xx": requestCount.get("2xx"),
        "4xx": requestCount.get("4xx"),
        "5xx": requestCount.get("5xx"),
      },
      faults,
    };
  }

  const server = createServer((request, response) => {
    const startedAt = process.hrtime.bigint();
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    if (path === "/metrics") {
      response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      response.end(renderExposition([requestCount, latencies, memory, cpu, processStart]));
      return;
    }
    if (path === options.healthPath) {
      const healthy = faults.healthStatus < 300;
      const body = { status: healthy ? "ok" : "failing (injected)", revision: options.revisionName };
      sendJson(response, faults.healthStatus, body);
      return;
    }
    if (path.startsWith(ADMIN_PREFIX)) {
      admin(request, response, path).catch((error: unknown) =>
        sendJson(response, 500, { error: (error as Error).message }),
      );
      return;
    }
    // Everything else is user traffic: it counts in the metrics and feels the faults.
    request.resume();
    serveUser(response, startedAt);
  });
  server.keepAliveTimeout = 30_000;

  return { server, stats, stopSampling: () => clearInterval(sampler) };
}
