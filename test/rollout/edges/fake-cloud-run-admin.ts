import { type LocalHttp, sendJson, startLocalHttp } from "./local-http";

/** A `TrafficTarget` / `TrafficTargetStatus` as the Cloud Run Admin API v2 writes it. */
export interface FakeTrafficEntry {
  type: string;
  revision: string;
  percent: number;
  tag: string;
}

/**
 * The Cloud Run Admin API v2 as far as a traffic change uses it, written from its reference:
 * `GET /v2/{service}` answers the Service (declared `traffic`, served `trafficStatuses`,
 * `reconciling`, `terminalCondition`); `PATCH /v2/{service}?updateMask=traffic` takes the new
 * `traffic` and answers a long-running Operation that is `done` only after `pollsUntilDone` reads
 * of `GET /v2/{operation}`; until then the service is `reconciling` and still serves the old split.
 * Every request is logged in order with the split served at that moment.
 */
export class FakeCloudRunAdmin {
  readonly service = "projects/p/locations/us-central1/services/ion-api";
  traffic: FakeTrafficEntry[];
  statuses: FakeTrafficEntry[];
  /** "PATCH traffic", "GET operation", ... with the canary share served when it arrived. */
  readonly log: { call: string; servedCanary: number }[] = [];
  /** An answer to force on the next PATCH (403 to test a refused fast path). */
  refusePatchWith?: number;
  /** The next `count` requests of any kind answered `status` (a transient 503 or 429 from Google's front end). */
  unavailable: { status: number; count: number } = { status: 503, count: 0 };
  private pending?: { name: string; polls: number; traffic: FakeTrafficEntry[] };
  /** Called as each request arrives (the bench advances its virtual clock by a round trip). */
  onRequest?: () => void;
  private http?: LocalHttp;
  private operations = 0;

  constructor(
    canaryWeight: number,
    private readonly pollsUntilDone = 3,
  ) {
    this.traffic = [
      {
        type: "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
        revision: "v1-aaaa",
        percent: 100 - canaryWeight,
        tag: "stable",
      },
      {
        type: "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
        revision: "v2-bbbb",
        percent: canaryWeight,
        tag: "canary",
      },
    ];
    this.statuses = structuredClone(this.traffic);
  }

  get url(): string {
    if (!this.http) throw new Error("start the fake first");
    return this.http.url;
  }

  servedCanary(): number {
    return this.statuses.filter((s) => s.tag === "canary").reduce((sum, s) => sum + s.percent, 0);
  }

  async start(): Promise<this> {
    this.http = await startLocalHttp((request, response) => {
      this.onRequest?.();
      const [path, query = ""] = request.path.split("?");
      const name = (path ?? "").replace(/^\/v2\//, "");
      this.log.push({
        call: `${request.method} ${name === this.service ? "service" : "operation"}`,
        servedCanary: this.servedCanary(),
      });
      if (this.unavailable.count > 0) {
        this.unavailable.count--;
        const { status } = this.unavailable;
        return sendJson(response, status, {
          error: {
            code: status,
            status: status === 429 ? "RESOURCE_EXHAUSTED" : "UNAVAILABLE",
            message: "try again",
          },
        });
      }
      if (name === this.service && request.method === "GET")
        return sendJson(response, 200, this.serviceBody());
      if (name === this.service && request.method === "PATCH") {
        if (this.refusePatchWith) {
          return sendJson(response, this.refusePatchWith, {
            error: {
              code: this.refusePatchWith,
              status: "PERMISSION_DENIED",
              message: "run.services.update denied",
            },
          });
        }
        if (new URLSearchParams(query).get("updateMask") !== "traffic") {
          return sendJson(response, 400, {
            error: { code: 400, message: "this fake takes updateMask=traffic only" },
          });
        }
        return sendJson(
          response,
          200,
          this.patch(JSON.parse(request.body) as { traffic: FakeTrafficEntry[] }),
        );
      }
      if (this.pending && name === this.pending.name && request.method === "GET")
        return sendJson(response, 200, this.poll());
      sendJson(response, 404, { error: { code: 404, status: "NOT_FOUND", message: `no ${name}` } });
    });
    return this;
  }

  close(): Promise<void> {
    return this.http?.close() ?? Promise.resolve();
  }

  private serviceBody() {
    return {
      name: this.service,
      traffic: this.traffic,
      trafficStatuses: this.statuses,
      reconciling: this.pending !== undefined,
      terminalCondition: {
        type: "Ready",
        state: this.pending ? "CONDITION_RECONCILING" : "CONDITION_SUCCEEDED",
      },
    };
  }

  private patch(body: { traffic: FakeTrafficEntry[] }) {
    this.operations++;
    const name = `projects/p/locations/us-central1/operations/op-${this.operations}`;
    this.traffic = body.traffic;
    this.pending = { name, polls: 0, traffic: structuredClone(body.traffic) };
    return { name, done: false, metadata: { "@type": "type.googleapis.com/google.cloud.run.v2.Service" } };
  }

  /** The operation after one more read: done (and the new split served) after `pollsUntilDone`. */
  private poll() {
    const pending = this.pending as { name: string; polls: number; traffic: FakeTrafficEntry[] };
    pending.polls++;
    if (pending.polls < this.pollsUntilDone) return { name: pending.name, done: false };
    this.statuses = pending.traffic;
    this.pending = undefined;
    return { name: pending.name, done: true, response: this.serviceBody() };
  }
}
