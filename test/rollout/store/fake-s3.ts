import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import { type LocalHttp, type ReceivedRequest, startLocalHttp } from "../edges/local-http";

/**
 * An S3 REST server (path-style) with the parts the S3 store uses, written from the API reference
 * (cited in docs/cloud-edges.md): GetObject, PutObject with `If-None-Match: *` / `If-Match`,
 * ListObjectsV2 with `prefix` and `continuation-token`, DeleteObject with `If-Match`. A failed
 * condition is 412 PreconditionFailed. `conflictNext` answers the next conditional write 409
 * ConditionalRequestConflict, as S3 does while another conditional request on the key is in
 * flight. Signatures are not checked. Requests run one at a time, so a condition and its write
 * are atomic.
 */

interface FakeObject {
  body: string;
  etag: string;
  lastModified: number;
}

export interface FakeS3Options {
  buckets: string[];
  /** The server's clock: Last-Modified and the `Date` header. */
  clock: () => number;
  /** Keys per list page (S3's default is 1,000; a small page exercises continuation tokens). */
  pageSize?: number;
}

export class FakeS3 {
  readonly objects = new Map<string, Map<string, FakeObject>>();
  readonly requests: string[] = [];
  /** Answer this many upcoming conditional writes 409 ConditionalRequestConflict. */
  conflictNext = 0;
  private http: LocalHttp | undefined;

  constructor(private readonly options: FakeS3Options) {
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
    this.requests.push(`${req.method} ${url.pathname}${conditions(req)}`);
    res.setHeader("Date", new Date(this.options.clock()).toUTCString());
    const [, bucketName = "", ...rest] = url.pathname.split("/");
    const bucket = this.objects.get(decodeURIComponent(bucketName));
    if (!bucket) return error(res, 404, "NoSuchBucket", "The specified bucket does not exist");
    const key = rest.map(decodeURIComponent).join("/");
    if (key === "" && req.method === "GET") return this.list(bucket, url.searchParams, res);
    if (req.method === "GET") return this.get(bucket, key, res);
    if (req.method === "PUT") return this.put(bucket, key, body, req, res);
    if (req.method === "DELETE") return this.remove(bucket, key, req, res);
    return error(res, 405, "MethodNotAllowed", "The specified method is not allowed");
  }

  private get(bucket: Map<string, FakeObject>, key: string, res: ServerResponse): undefined {
    const object = bucket.get(key);
    if (!object) return error(res, 404, "NoSuchKey", "The specified key does not exist.");
    res.writeHead(200, {
      "Content-Type": "text/plain; charset=utf-8",
      ETag: object.etag,
      "Last-Modified": new Date(object.lastModified).toUTCString(),
      "Content-Length": Buffer.byteLength(object.body),
    });
    res.end(object.body);
  }

  private put(
    bucket: Map<string, FakeObject>,
    key: string,
    body: string,
    req: ReceivedRequest,
    res: ServerResponse,
  ): undefined {
    const current = bucket.get(key);
    const ifNoneMatch = req.headers["if-none-match"];
    const ifMatch = req.headers["if-match"];
    if ((ifNoneMatch || ifMatch) && this.conflictNext > 0) {
      this.conflictNext--;
      return error(
        res,
        409,
        "ConditionalRequestConflict",
        "A conflicting conditional operation is currently in progress against this resource.",
      );
    }
    if (ifNoneMatch === "*" && current)
      return error(
        res,
        412,
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
      );
    if (ifMatch !== undefined && !current)
      return error(res, 404, "NoSuchKey", "The specified key does not exist.");
    if (ifMatch !== undefined && ifMatch !== current?.etag)
      return error(
        res,
        412,
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
      );
    // Single-part upload: the ETag is the MD5 of the body, in quotes.
    const etag = `"${createHash("md5").update(body).digest("hex")}"`;
    bucket.set(key, { body, etag, lastModified: this.options.clock() });
    res.writeHead(200, { ETag: etag });
    res.end();
  }

  private remove(
    bucket: Map<string, FakeObject>,
    key: string,
    req: ReceivedRequest,
    res: ServerResponse,
  ): undefined {
    const current = bucket.get(key);
    const ifMatch = req.headers["if-match"];
    if (ifMatch !== undefined && !current)
      return error(res, 404, "NoSuchKey", "The specified key does not exist.");
    if (ifMatch !== undefined && ifMatch !== "*" && ifMatch !== current?.etag)
      return error(
        res,
        412,
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
      );
    bucket.delete(key);
    res.writeHead(204);
    res.end();
  }

  private list(bucket: Map<string, FakeObject>, query: URLSearchParams, res: ServerResponse): undefined {
    if (query.get("list-type") !== "2")
      return error(res, 400, "InvalidArgument", "only ListObjectsV2 is served");
    const prefix = query.get("prefix") ?? "";
    const keys = [...bucket.keys()]
      .filter((key) => key.startsWith(prefix))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    // The continuation token is the last key of the previous page, base64 (opaque to the client).
    const token = query.get("continuation-token");
    const after = token === null ? undefined : Buffer.from(token, "base64").toString("utf8");
    const rest =
      after === undefined
        ? keys
        : keys.filter((key) => Buffer.compare(Buffer.from(key), Buffer.from(after)) > 0);
    const page = rest.slice(0, this.options.pageSize ?? 1000);
    const truncated = page.length < rest.length;
    const next = truncated
      ? `<NextContinuationToken>${Buffer.from(page[page.length - 1] ?? "").toString("base64")}</NextContinuationToken>`
      : "";
    const contents = page
      .map(
        (key) =>
          `<Contents><Key>${escapeXml(key)}</Key><ETag>${escapeXml(bucket.get(key)?.etag ?? "")}</ETag></Contents>`,
      )
      .join("");
    res.writeHead(200, { "Content-Type": "application/xml" });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><IsTruncated>${truncated}</IsTruncated>${next}${contents}</ListBucketResult>`,
    );
  }
}

function conditions(req: ReceivedRequest): string {
  const parts = [
    req.headers["if-none-match"] ? ` If-None-Match: ${req.headers["if-none-match"]}` : "",
    req.headers["if-match"] ? ` If-Match: ${req.headers["if-match"]}` : "",
  ];
  return parts.join("");
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function error(res: ServerResponse, status: number, code: string, message: string): undefined {
  res.writeHead(status, { "Content-Type": "application/xml" });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`,
  );
}
