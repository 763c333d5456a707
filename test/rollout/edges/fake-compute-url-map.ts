import { type LocalHttp, sendJson, startLocalHttp } from "./local-http";

/**
 * The Compute Engine API's global URL map, as far as a weight change uses it, written from its
 * reference: `GET .../global/urlMaps/{map}` answers the map with its `fingerprint`;
 * `PATCH` (JSON merge patch) must carry the current fingerprint, else 412 conditionNotMet; it
 * answers an Operation that is `RUNNING` until `pollsUntilDone` reads of
 * `GET .../global/operations/{op}`, and only then is the new map (and a new fingerprint) in force.
 */
export class FakeComputeUrlMap {
  readonly project = "internal-ai-innovation";
  readonly name = "prod-lb-split-1a2b3c";
  weights: [number, number];
  fingerprint = "fp-1";
  /** Another writer changes the map right before the next PATCH arrives (its fingerprint is stale). */
  concurrentWriteBeforeNextPatch = false;
  readonly log: string[] = [];
  /** The old side retired (`ion-rollout retire`): only the canary's backend is left on the map. */
  stableRetired = false;
  /** The map lists the canary's backend first (the API documents no order for the list). */
  listsCanaryFirst = false;
  private pending?: { name: string; polls: number; weights: [number, number] };
  /** Called as each request arrives (the bench advances its virtual clock by a round trip). */
  onRequest?: () => void;
  /** The next `count` requests answered as Compute answers a project over its rate quota. */
  overRateQuota = 0;
  private http?: LocalHttp;
  private version = 1;

  constructor(
    canaryWeight: number,
    private readonly pollsUntilDone = 2,
  ) {
    this.weights = [100 - canaryWeight, canaryWeight];
  }

  get url(): string {
    if (!this.http) throw new Error("start the fake first");
    return this.http.url;
  }

  async start(): Promise<this> {
    const prefix = `/compute/v1/projects/${this.project}/global/`;
    this.http = await startLocalHttp((request, response) => {
      this.onRequest?.();
      const path = request.path.startsWith(prefix) ? request.path.slice(prefix.length) : "";
      this.log.push(`${request.method} ${path.split("/")[0]}`);
      if (this.overRateQuota > 0) {
        this.overRateQuota--;
        // https://cloud.google.com/compute/api-quota: "you receive a 403 error with the reason rateLimitExceeded".
        return sendJson(response, 403, {
          error: {
            code: 403,
            message: "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute'",
            errors: [{ reason: "rateLimitExceeded", domain: "usageLimits" }],
          },
        });
      }
      if (path === `urlMaps/${this.name}` && request.method === "GET")
        return sendJson(response, 200, this.body());
      if (path === `urlMaps/${this.name}` && request.method === "PATCH")
        return this.patch(JSON.parse(request.body), response);
      if (this.pending && path === `operations/${this.pending.name}`)
        return sendJson(response, 200, this.poll());
      sendJson(response, 404, { error: { code: 404, message: `no ${request.path}` } });
    });
    return this;
  }

  close(): Promise<void> {
    return this.http?.close() ?? Promise.resolve();
  }

  private body() {
    const backends = [
      {
        backendService:
          "https://www.googleapis.com/compute/v1/projects/p/global/backendServices/prod-lb-stable-backend",
        weight: this.weights[0],
      },
      {
        backendService:
          "https://www.googleapis.com/compute/v1/projects/p/global/backendServices/prod-lb-canary-backend",
        weight: this.weights[1],
      },
    ];
    const listed = this.stableRetired
      ? backends.slice(1)
      : this.listsCanaryFirst
        ? backends.reverse()
        : backends;
    return {
      name: this.name,
      fingerprint: this.fingerprint,
      defaultRouteAction: { weightedBackendServices: listed },
    };
  }

  private patch(
    body: {
      fingerprint?: string;
      defaultRouteAction?: { weightedBackendServices?: { backendService?: string; weight: number }[] };
    },
    response: Parameters<typeof sendJson>[0],
  ): void {
    if (this.concurrentWriteBeforeNextPatch) {
      this.concurrentWriteBeforeNextPatch = false;
      this.fingerprint = `fp-${++this.version}`;
    }
    if (body.fingerprint !== this.fingerprint) {
      sendJson(response, 412, {
        error: { code: 412, message: "Precondition Failed", errors: [{ reason: "conditionNotMet" }] },
      });
      return;
    }
    // Each weight belongs to the backend it is listed with, in whatever order.
    const listed = body.defaultRouteAction?.weightedBackendServices ?? [];
    const weightOf = (side: string) =>
      listed.find((b) => b.backendService?.endsWith(`/prod-lb-${side}-backend`))?.weight ?? 0;
    this.pending = {
      name: `operation-${this.version}`,
      polls: 0,
      weights: [weightOf("stable"), weightOf("canary")],
    };
    sendJson(response, 200, {
      kind: "compute#operation",
      name: this.pending.name,
      operationType: "patch",
      status: "RUNNING",
    });
  }

  private poll() {
    const pending = this.pending as { name: string; polls: number; weights: [number, number] };
    pending.polls++;
    if (pending.polls < this.pollsUntilDone) return { name: pending.name, status: "RUNNING" };
    this.weights = pending.weights;
    this.fingerprint = `fp-${++this.version}`;
    this.pending = undefined;
    return { name: pending.name, status: "DONE" };
  }
}
