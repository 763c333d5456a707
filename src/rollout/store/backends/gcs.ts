import { checkObjectKey, checkObjectPrefix, compareKeys } from "../object-key";
import {
  type ObjectStore,
  PreconditionFailedError,
  STORE_REQUEST_TIMEOUT_MS,
  type StoredObject,
  type WriteCondition,
  withRequestTimeout,
} from "../object-store";
import { bucketPrefix, storeRequestError } from "./bucket-errors";

/**
 * The store in a Google Cloud Storage bucket, over the JSON API with `fetch`. Every write names
 * the generation it replaces (`ifGenerationMatch`, 0 = the object must not exist), so two writers
 * that read the same generation cannot both succeed: GCS answers the loser 412 Precondition Failed.
 * The version is the object's generation, which changes on every write (docs/cloud-edges.md).
 *
 * A read takes the metadata (generation, `updated`) then the media at that generation
 * (`ifGenerationMatch` again), so text and version belong together; a write in between is seen as
 * a 412 and the read starts over. `readAtMs` is the response's `Date` header: GCS's clock, to
 * whole seconds. A lost response is not retried here (the caller reads again); a refusal GCS calls
 * transient is (`retryDelaysMs`, below).
 */

/** Returns a bearer token for each request (tokens expire; the provider caches). */
export type BearerTokenProvider = () => Promise<string>;

/** What the store needs: read, create, replace, delete and list objects in the bucket. */
export const GCS_STORE_SCOPE = "https://www.googleapis.com/auth/devstorage.read_write";

export interface GcsStoreOptions {
  bucket: string;
  /** Object names start with this ("" or ending in "/"). */
  prefix?: string;
  /** Absent: no Authorization header (a local fake server). */
  token?: BearerTokenProvider;
  /** Default https://storage.googleapis.com; a fake server's address in tests. */
  endpoint?: string;
  fetch?: typeof fetch;
  /** How long one request may take before it fails (default `STORE_REQUEST_TIMEOUT_MS`). */
  requestTimeoutMs?: number;
  /** Waits before each retry of a transient refusal (default `GCS_RETRY_DELAYS_MS`). */
  retryDelaysMs?: readonly number[];
  /** How a retry waits: the edges' abortable sleep (given by the opener), a test's fake time. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const MAX_READ_ATTEMPTS = 5;

/**
 * GCS's retry strategy (https://cloud.google.com/storage/docs/retry-strategy): 408, 429 and 5xx are
 * transient, retried with exponential backoff. An object takes one mutation per second
 * (https://cloud.google.com/storage/quotas), and the runner writes its state twice in a row at a
 * step, so the first wait is a second. Writes are retried on 429 only: GCS refused them before
 * applying them, where after a 5xx or 408 a write may have landed, and its retry's
 * `ifGenerationMatch` would then read as a lost race. Reads and listings retry on all three.
 */
export const GCS_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000];

function transient(method: string, status: number): boolean {
  if (status === 429) return true;
  return method === "GET" && (status === 408 || status >= 500);
}

interface ObjectResource {
  name: string;
  generation: string;
  updated: string;
}

export class GcsStore implements ObjectStore {
  readonly description: string;
  private readonly prefix: string;
  private readonly endpoint: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: GcsStoreOptions) {
    this.prefix = bucketPrefix(options.prefix);
    this.description = `gs://${options.bucket}/${this.prefix}`;
    this.endpoint = (options.endpoint ?? "https://storage.googleapis.com").replace(/\/$/, "");
    this.fetch = options.fetch ?? fetch;
  }

  async read(key: string, signal?: AbortSignal): Promise<StoredObject | undefined> {
    checkObjectKey(key);
    for (let attempt = 0; attempt < MAX_READ_ATTEMPTS; attempt++) {
      const meta = await this.request("GET", this.objectUrl(key), { signal });
      if (meta.status === 404) return this.absent(meta, key, signal);
      await this.expectOk(meta, key, "read");
      const resource = (await meta.json()) as ObjectResource;
      const media = await this.request(
        "GET",
        this.objectUrl(key, { alt: "media", ifGenerationMatch: resource.generation }),
        {
          signal,
        },
      );
      // Replaced or removed between the two requests: read the newer object.
      if (media.status === 412 || media.status === 404) continue;
      await this.expectOk(media, key, "read");
      return {
        text: await media.text(),
        version: resource.generation,
        updatedAtMs: Date.parse(resource.updated),
        readAtMs: serverTime(media),
      };
    }
    throw new Error(
      `${this.description}${key} changed on every one of ${MAX_READ_ATTEMPTS} reads; try again`,
    );
  }

  async write(key: string, text: string, condition: WriteCondition, signal?: AbortSignal): Promise<string> {
    checkObjectKey(key);
    const generation = "ifAbsent" in condition ? "0" : condition.ifVersion;
    if (!/^\d+$/.test(generation) || ("ifVersion" in condition && generation === "0"))
      throw new PreconditionFailedError(key, `version ${generation} is no generation of this bucket`);
    const url = new URL(`${this.endpoint}/upload/storage/v1/b/${encodeURIComponent(this.options.bucket)}/o`);
    url.search = new URLSearchParams({
      uploadType: "media",
      name: this.prefix + key,
      ifGenerationMatch: generation,
    }).toString();
    const response = await this.request("POST", url, {
      body: text,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
      signal,
    });
    if (response.status === 412)
      throw new PreconditionFailedError(
        key,
        "ifAbsent" in condition ? "exists; expected absent" : `is no longer at generation ${generation}`,
      );
    await this.expectOk(response, key, "write");
    return ((await response.json()) as ObjectResource).generation;
  }

  async list(prefix: string, signal?: AbortSignal): Promise<string[]> {
    checkObjectPrefix(prefix);
    const keys: string[] = [];
    let pageToken: string | undefined;
    do {
      const url = new URL(`${this.endpoint}/storage/v1/b/${encodeURIComponent(this.options.bucket)}/o`);
      url.search = new URLSearchParams({
        prefix: this.prefix + prefix,
        fields: "items(name),nextPageToken",
        ...(pageToken ? { pageToken } : {}),
      }).toString();
      const response = await this.request("GET", url, { signal });
      await this.expectOk(response, prefix, "list");
      const page = (await response.json()) as { items?: { name: string }[]; nextPageToken?: string };
      for (const item of page.items ?? []) keys.push(item.name.slice(this.prefix.length));
      pageToken = page.nextPageToken;
    } while (pageToken);
    return keys.sort(compareKeys);
  }

  async remove(key: string, condition?: { ifVersion: string }, signal?: AbortSignal): Promise<void> {
    checkObjectKey(key);
    const query: Record<string, string> = condition ? { ifGenerationMatch: condition.ifVersion } : {};
    const response = await this.request("DELETE", this.objectUrl(key, query), { signal });
    if (response.status === 404) return;
    if (response.status === 412 && condition)
      throw new PreconditionFailedError(key, `is no longer at generation ${condition.ifVersion}`);
    await this.expectOk(response, key, "remove");
  }

  /**
   * GCS answers 404 both for a missing object and for a missing bucket (the JSON API's documented
   * 404 body is the same "Not Found"): a one-item listing, which a missing bucket also answers
   * 404, tells them apart, so a bucket not created yet never reads as "no rollout".
   */
  private async absent(response: Response, key: string, signal?: AbortSignal): Promise<undefined> {
    const url = new URL(`${this.endpoint}/storage/v1/b/${encodeURIComponent(this.options.bucket)}/o`);
    url.search = new URLSearchParams({
      prefix: this.prefix,
      maxResults: "1",
      fields: "nextPageToken",
    }).toString();
    const listing = await this.request("GET", url, { signal });
    if (listing.status !== 404) return undefined;
    throw storeRequestError({
      store: this.description,
      key,
      what: "read",
      status: 404,
      detail: (await response.text()).slice(0, 300),
      permission: GCS_PERMISSION.read,
      bucketKind: "GCS",
    });
  }

  private objectUrl(key: string, query: Record<string, string> = {}): URL {
    const url = new URL(
      `${this.endpoint}/storage/v1/b/${encodeURIComponent(this.options.bucket)}/o/${encodeURIComponent(this.prefix + key)}`,
    );
    url.search = new URLSearchParams(query).toString();
    return url;
  }

  /** One request, retried after each wait of `retryDelaysMs` while GCS answers it as transient. */
  private async request(
    method: string,
    url: URL,
    init: { body?: string; headers?: Record<string, string>; signal?: AbortSignal | undefined },
  ): Promise<Response> {
    const delays = this.options.retryDelaysMs ?? GCS_RETRY_DELAYS_MS;
    const { sleep } = this.options;
    for (const delay of delays) {
      const response = await this.send(method, url, init);
      if (!transient(method, response.status)) return response;
      await response.body?.cancel();
      await sleep(delay, init.signal);
    }
    return this.send(method, url, init);
  }

  private async send(
    method: string,
    url: URL,
    init: { body?: string; headers?: Record<string, string>; signal?: AbortSignal | undefined },
  ): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.options.token) headers.Authorization = `Bearer ${await this.options.token()}`;
    return this.fetch(url, {
      method,
      headers,
      ...(init.body === undefined ? {} : { body: init.body }),
      signal: withRequestTimeout(init.signal, this.options.requestTimeoutMs ?? STORE_REQUEST_TIMEOUT_MS),
    });
  }

  private async expectOk(
    response: Response,
    key: string,
    what: "read" | "write" | "list" | "remove",
  ): Promise<void> {
    if (response.ok) return;
    throw storeRequestError({
      store: this.description,
      key,
      what,
      status: response.status,
      detail: (await response.text()).slice(0, 300),
      permission: GCS_PERMISSION[what],
      bucketKind: "GCS",
    });
  }
}

const GCS_PERMISSION = {
  read: "storage.objects.get",
  write: "storage.objects.create and storage.objects.delete (replacing an object deletes the old one)",
  list: "storage.objects.list",
  remove: "storage.objects.delete",
} as const;

/** The server's clock from the `Date` header (whole seconds); this machine's when there is none. */
function serverTime(response: Response): number {
  const date = Date.parse(response.headers.get("date") ?? "");
  return Number.isNaN(date) ? Date.now() : date;
}
