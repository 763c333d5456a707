import type { ServerResponse } from "node:http";
import { GcsStore } from "../../../src/rollout/store/backends/gcs";
import { type LocalHttp, type ReceivedRequest, startLocalHttp } from "../edges/local-http";

/**
 * A Cloud Storage JSON API server with the parts the GCS store uses, written from the API docs
 * (cited in docs/cloud-edges.md): objects.get (metadata, or `alt=media`), objects.insert with
 * `uploadType=media`, objects.list with `prefix` and `pageToken`, objects.delete; each honours
 * `ifGenerationMatch` (0 = no live object) with 412 when it does not hold. Every write makes a new
 * generation. Requests run one at a time in this process, so a precondition and its write are atomic.
 *
 * Like GCS, an object takes at most one mutation (create, replace, delete) per second: one within
 * `mutationIntervalMs` of the object's last, by the server's clock, is answered 429 with GCS's own
 * message (https://cloud.google.com/storage/quotas: "There is an update limit on each object of once
 * per second"; the message as GCS sends it is quoted in grafana/mimir#12086).
 */

interface FakeObject {
  data: string;
  generation: string;
  updated: string;
}

export interface FakeGcsOptions {
  buckets: string[];
  /** The server's clock: `updated` and the `Date` header. */
  clock: () => number;
  /** Objects per list page (GCS's default is 1,000; a small page exercises `pageToken`). */
  pageSize?: number;
  /** When set, a request without `Authorization: Bearer <token>` is answered 401. */
  token?: string;
  /**
   * Least time between two mutations of one object (default 1,000 ms, as GCS). Suites that test
   * other semantics at one instant of their clock set 0; gcs.test.ts tests the limit itself.
   */
  mutationIntervalMs?: number;
}

export class FakeGcs {
  readonly objects = new Map<string, Map<string, FakeObject>>();
  readonly requests: string[] = [];
  private http: LocalHttp | undefined;
  private lastGeneration = 0;
  /** Per bucket and object name: when it was last created, replaced or deleted. */
  private readonly lastMutation = new Map<string, number>();

  constructor(readonly options: FakeGcsOptions) {
    for (const bucket of options.buckets) this.objects.set(bucket, new Map());
  }

  async start(): Promise<string> {
    this.http = await startLocalHttp((request, res) => this.handle(request, request.body, res));
    return this.http.url;
  }

  async stop(): Promise<void> {
    await this.http?.close();
  }

  private handle(req: ReceivedRequest, body: string, res: ServerResponse): undefined {
    const url = new URL(req.path || "/", "http://fake");
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    res.setHeader("Date", new Date(this.options.clock()).toUTCString());
    if (this.options.token && req.headers.authorization !== `Bearer ${this.options.token}`)
      return reply(res, 401, { error: { code: 401, message: "Invalid Credentials" } });
    const match = /^\/(upload\/)?storage\/v1\/b\/([^/]+)\/o(?:\/(.+))?$/.exec(url.pathname);
    const bucket = match ? this.objects.get(decodeURIComponent(match[2] ?? "")) : undefined;
    if (!match || !bucket)
      return reply(res, 404, { error: { code: 404, message: "The specified bucket does not exist." } });
    const name = match[3] === undefined ? undefined : decodeURIComponent(match[3]);
    const query = url.searchParams;
    if (match[1] && req.method === "POST") return this.insert(bucket, query, body, res);
    if (name === undefined && req.method === "GET") return this.list(bucket, query, res);
    if (name === undefined) return reply(res, 400, { error: { code: 400, message: "Bad request" } });
    if (req.method === "GET") return this.get(bucket, name, query, res);
    if (req.method === "DELETE") return this.remove(bucket, name, query, res);
    reply(res, 405, { error: { code: 405, message: "Method not allowed" } });
  }

  private mutationKey(bucket: Map<string, FakeObject>, name: string): string {
    const bucketName = [...this.objects.entries()].find(([, b]) => b === bucket)?.[0] ?? "";
    return `${bucketName}/${name}`;
  }

  private tooSoon(bucket: Map<string, FakeObject>, name: string): boolean {
    const last = this.lastMutation.get(this.mutationKey(bucket, name));
    const interval = this.options.mutationIntervalMs ?? 1000;
    return last !== undefined && this.options.clock() - last < interval;
  }

  private mutated(bucket: Map<string, FakeObject>, name: string): void {
    this.lastMutation.set(this.mutationKey(bucket, name), this.options.clock());
  }

  /** `ifGenerationMatch` holds: absent, or the live generation (0: there is no live object). */
  private holds(current: FakeObject | undefined, query: URLSearchParams): boolean {
    const wanted = query.get("ifGenerationMatch");
    if (wanted === null) return true;
    return wanted === "0" ? current === undefined : current?.generation === wanted;
  }

  private get(
    bucket: Map<string, FakeObject>,
    name: string,
    query: URLSearchParams,
    res: ServerResponse,
  ): undefined {
    const current = bucket.get(name);
    if (!current) return reply(res, 404, { error: { code: 404, message: `No such object: ${name}` } });
    if (!this.holds(current, query)) return reply(res, 412, preconditionFailed());
    if (query.get("alt") === "media") {
      res.writeHead(200, {
        "Content-Type": "text/plain; charset=utf-8",
        "x-goog-generation": current.generation,
      });
      return void res.end(current.data);
    }
    reply(res, 200, resource(name, current));
  }

  private insert(
    bucket: Map<string, FakeObject>,
    query: URLSearchParams,
    body: string,
    res: ServerResponse,
  ): undefined {
    const name = query.get("name");
    if (query.get("uploadType") !== "media" || !name)
      return reply(res, 400, { error: { code: 400, message: "uploadType=media and name are required" } });
    if (this.tooSoon(bucket, name)) return reply(res, 429, rateLimited(name));
    if (!this.holds(bucket.get(name), query)) return reply(res, 412, preconditionFailed());
    // Generations are microsecond timestamps in GCS; here strictly increasing ones.
    this.lastGeneration = Math.max(this.lastGeneration + 1, this.options.clock() * 1000);
    const object = {
      data: body,
      generation: String(this.lastGeneration),
      updated: new Date(this.options.clock()).toISOString(),
    };
    bucket.set(name, object);
    this.mutated(bucket, name);
    reply(res, 200, resource(name, object));
  }

  private list(bucket: Map<string, FakeObject>, query: URLSearchParams, res: ServerResponse): undefined {
    const prefix = query.get("prefix") ?? "";
    // Lexicographic order of the names; the page token is the last name of the previous page.
    const names = [...bucket.keys()]
      .filter((name) => name.startsWith(prefix))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const after = query.get("pageToken");
    const start =
      after === null
        ? 0
        : names.findIndex((name) => Buffer.compare(Buffer.from(name), Buffer.from(after)) > 0);
    const page = start < 0 ? [] : names.slice(start, start + (this.options.pageSize ?? 1000));
    const more = start >= 0 && start + page.length < names.length;
    reply(res, 200, {
      kind: "storage#objects",
      ...(page.length > 0 ? { items: page.map((name) => ({ name })) } : {}),
      ...(more ? { nextPageToken: page[page.length - 1] } : {}),
    });
  }

  private remove(
    bucket: Map<string, FakeObject>,
    name: string,
    query: URLSearchParams,
    res: ServerResponse,
  ): undefined {
    const current = bucket.get(name);
    if (!current) return reply(res, 404, { error: { code: 404, message: `No such object: ${name}` } });
    if (this.tooSoon(bucket, name)) return reply(res, 429, rateLimited(name));
    if (!this.holds(current, query)) return reply(res, 412, preconditionFailed());
    bucket.delete(name);
    this.mutated(bucket, name);
    res.writeHead(204);
    res.end();
  }
}

function resource(name: string, object: FakeObject): object {
  return {
    kind: "storage#object",
    name,
    generation: object.generation,
    metageneration: "1",
    updated: object.updated,
  };
}

function preconditionFailed(): object {
  return { error: { code: 412, message: "At least one of the pre-conditions you specified did not hold." } };
}

function rateLimited(name: string): object {
  return {
    error: {
      code: 429,
      message: `The object ${name} exceeded the rate limit for object mutation operations (create, update, and delete). Please reduce your request rate. See https://cloud.google.com/storage/docs/gcs429.`,
      errors: [{ reason: "rateLimitExceeded" }],
    },
  };
}

function reply(res: ServerResponse, status: number, body: object): undefined {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

/**
 * A GcsStore on a started FakeGcs for the contract suites, whose clock is the suite's: GCS's one
 * mutation per object per second holds, and the store's retry waits move the server's clock on
 * (a suite writes an object several times at one instant of its clock).
 */
export async function contractGcsStore(clock: () => number, pageSize?: number) {
  let waited = 0;
  const fake = new FakeGcs({
    buckets: ["rollouts"],
    clock: () => clock() + waited,
    token: "test-token",
    ...(pageSize === undefined ? {} : { pageSize }),
  });
  const endpoint = await fake.start();
  const store = new GcsStore({
    bucket: "rollouts",
    prefix: "team/",
    endpoint,
    token: async () => "test-token",
    sleep: async (ms) => {
      waited += ms;
    },
  });
  return { store, close: () => fake.stop() };
}
