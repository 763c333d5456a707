import { randomBytes } from "node:crypto";
import type { GetObjectCommand, GetObjectCommandOutput, S3Client } from "@aws-sdk/client-s3";
import { checkObjectKey, checkObjectPrefix, compareKeys } from "../object-key";
import {
  type ObjectStore,
  PreconditionFailedError,
  type StoredObject,
  type WriteCondition,
} from "../object-store";
import { bucketPrefix, storeRequestError } from "./bucket-errors";

/**
 * The store in an S3 bucket, with S3's conditional writes: a create sends `If-None-Match: *`, a
 * replace `If-Match: <ETag read>`, a conditional remove `If-Match` on DeleteObject; S3 answers
 * the loser 412 Precondition Failed, or 409 ConditionalRequestConflict while a concurrent
 * conditional request on the key is in flight (docs/cloud-edges.md). Both are a lost race here.
 *
 * The version is the ETag, which for these single-part uploads is the MD5 of the body: the same
 * text written twice would keep its ETag, and a stale writer's `If-Match` would pass. So each
 * body starts with one header line holding a random write id (`{"writeId":…}`), which makes
 * every write's ETag new. `readAtMs` is the response's `Date` header (S3's clock, whole seconds);
 * `updatedAtMs` is Last-Modified (whole seconds too). The SDK's own retries stay on: a retried
 * conditional write whose first attempt landed is refused, and the caller reads again.
 */

/** Loaded on first use: the SDK costs CPU that `ion-rollout --help` and local stages never need. */
function sdk(): typeof import("@aws-sdk/client-s3") {
  return require("@aws-sdk/client-s3");
}

export interface S3StoreOptions {
  client: S3Client;
  bucket: string;
  /** Object keys start with this ("" or ending in "/"). */
  prefix?: string;
}

const S3_PERMISSION = {
  read: "s3:GetObject (and s3:ListBucket, without which a missing key is answered 403 instead of 404)",
  write: "s3:PutObject",
  list: "s3:ListBucket",
  remove: "s3:DeleteObject and s3:GetObject (a delete conditional on an ETag needs both)",
} as const;

export class S3Store implements ObjectStore {
  readonly description: string;
  private readonly prefix: string;

  constructor(private readonly options: S3StoreOptions) {
    this.prefix = bucketPrefix(options.prefix);
    this.description = `s3://${options.bucket}/${this.prefix}`;
  }

  async read(key: string, signal?: AbortSignal): Promise<StoredObject | undefined> {
    checkObjectKey(key);
    const command = new (sdk().GetObjectCommand)({ Bucket: this.options.bucket, Key: this.prefix + key });
    const served = serverDate(command);
    let output: GetObjectCommandOutput;
    let body: string;
    try {
      output = await this.options.client.send(command, signal ? { abortSignal: signal } : {});
      body = (await output.Body?.transformToString("utf-8")) ?? "";
    } catch (error) {
      if (errorName(error) === "NoSuchKey") return undefined;
      throw this.refused(error, key, "read");
    }
    return {
      text: this.textOf(key, body),
      version: output.ETag ?? "",
      updatedAtMs: output.LastModified?.getTime() ?? Number.NaN,
      readAtMs: served() ?? Date.now(),
    };
  }

  async write(key: string, text: string, condition: WriteCondition, signal?: AbortSignal): Promise<string> {
    checkObjectKey(key);
    const header = JSON.stringify({ writeId: randomBytes(8).toString("hex") });
    const command = new (sdk().PutObjectCommand)({
      Bucket: this.options.bucket,
      Key: this.prefix + key,
      Body: `${header}\n${text}`,
      ContentType: "text/plain; charset=utf-8",
      ...("ifAbsent" in condition ? { IfNoneMatch: "*" } : { IfMatch: condition.ifVersion }),
    });
    try {
      const output = await this.options.client.send(command, signal ? { abortSignal: signal } : {});
      return output.ETag ?? "";
    } catch (error) {
      // If-Match on a key that is gone may be answered NoSuchKey: the version read is gone too.
      if (lostRace(error) || ("ifVersion" in condition && errorName(error) === "NoSuchKey"))
        throw new PreconditionFailedError(
          key,
          "ifAbsent" in condition ? "exists; expected absent" : `is no longer at ETag ${condition.ifVersion}`,
        );
      throw this.refused(error, key, "write");
    }
  }

  async list(prefix: string, signal?: AbortSignal): Promise<string[]> {
    checkObjectPrefix(prefix);
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const command = new (sdk().ListObjectsV2Command)({
        Bucket: this.options.bucket,
        Prefix: this.prefix + prefix,
        ...(token ? { ContinuationToken: token } : {}),
      });
      try {
        const page = await this.options.client.send(command, signal ? { abortSignal: signal } : {});
        for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key.slice(this.prefix.length));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } catch (error) {
        throw this.refused(error, prefix, "list");
      }
    } while (token);
    return keys.sort(compareKeys);
  }

  async remove(key: string, condition?: { ifVersion: string }, signal?: AbortSignal): Promise<void> {
    checkObjectKey(key);
    const command = new (sdk().DeleteObjectCommand)({
      Bucket: this.options.bucket,
      Key: this.prefix + key,
      ...(condition ? { IfMatch: condition.ifVersion } : {}),
    });
    try {
      await this.options.client.send(command, signal ? { abortSignal: signal } : {});
    } catch (error) {
      // A conditional delete of a key that is gone is answered 404: gone is what was asked.
      if (errorName(error) === "NoSuchKey") return;
      if (condition && lostRace(error))
        throw new PreconditionFailedError(key, `is no longer at ETag ${condition.ifVersion}`);
      throw this.refused(error, key, "remove");
    }
  }

  /** The text after the write-id line; an object this store did not write is refused by name. */
  private textOf(key: string, body: string): string {
    const newline = body.indexOf("\n");
    try {
      if (typeof JSON.parse(body.slice(0, Math.max(newline, 0))).writeId === "string")
        return body.slice(newline + 1);
    } catch {}
    throw new Error(
      `${this.description}${key} is not an object this store wrote (its first line must be {"writeId":…}); move it out of the store's prefix`,
    );
  }

  private refused(error: unknown, key: string, what: keyof typeof S3_PERMISSION): Error {
    const name = errorName(error);
    return storeRequestError({
      store: this.description,
      key,
      what,
      status: name === "NoSuchBucket" ? 404 : httpStatus(error),
      detail: `${name}: ${(error as Error).message}`,
      permission: S3_PERMISSION[what],
      bucketKind: "S3",
    });
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : String(error);
}

/** The HTTP status an SDK error carries in `$metadata`. */
function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** 412, or 409 ConditionalRequestConflict: another writer's conditional request won. */
function lostRace(error: unknown): boolean {
  const status = httpStatus(error);
  return status === 412 || status === 409 || errorName(error) === "PreconditionFailed";
}

/** The response's `Date` header, captured for one command; undefined until answered or when absent. */
function serverDate(command: GetObjectCommand): () => number | undefined {
  let date: number | undefined;
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const header = (result.response as { headers?: Record<string, string> }).headers?.date;
      const parsed = Date.parse(header ?? "");
      if (!Number.isNaN(parsed)) date = parsed;
      return result;
    },
    { step: "deserialize", name: "storeServerDate" },
  );
  return () => date;
}
