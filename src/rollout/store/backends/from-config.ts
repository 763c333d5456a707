import { isAbsolute, resolve } from "node:path";
import { checkObjectPrefix } from "../object-key";
import { type ObjectStore, STORE_REQUEST_TIMEOUT_MS } from "../object-store";
import { type BearerTokenProvider, GCS_STORE_SCOPE, GcsStore } from "./gcs";
import { LocalDirectoryStore } from "./local-directory";
import { S3Store } from "./s3";

/**
 * The store a stage's `rollout.store` config names: a local directory (rehearsal, tests, one
 * machine), a GCS bucket (GCP stages) or an S3 bucket (AWS stages). The config schema in
 * src/config parses into this shape.
 */
export type StoreConfig =
  | { kind: "directory"; path: string }
  | { kind: "gcs"; bucket: string; prefix?: string }
  | { kind: "s3"; bucket: string; prefix?: string; region?: string };

export interface StoreDeps {
  /** Google bearer tokens for `scopes` (the commands pass the edges' `googleBearerToken`). */
  googleToken: (scopes: string[]) => BearerTokenProvider;
  /** How a bucket store waits before retrying a transient refusal (the edges' `abortableSleep`). */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** A relative `rollout.store.path` is resolved against this (default: the working directory). */
  projectDir?: string;
  /**
   * The environment a missing S3 region and `STORAGE_EMULATOR_HOST` are read from (default:
   * `process.env`); the S3 client reads its own (`AWS_ENDPOINT_URL_S3`, credentials) from the process.
   */
  env?: Record<string, string | undefined>;
}

/** Bucket names as both clouds accept them: 3-63 lowercase letters, digits, dots, hyphens (GCS also `_`). */
const BUCKET_NAME = { gcs: /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, s3: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/ };

export class StoreConfigError extends Error {
  override name = "StoreConfigError";
}

/** Builds the store; a value that cannot work is refused here, naming its key and the fix. */
export function objectStoreFromConfig(config: StoreConfig, deps: StoreDeps): ObjectStore {
  if (config.kind === "directory") {
    if (config.path.trim() === "")
      throw new StoreConfigError(
        "rollout.store.path is empty: set it to the directory that holds the rollout's state",
      );
    const path = isAbsolute(config.path)
      ? config.path
      : resolve(deps.projectDir ?? process.cwd(), config.path);
    return new LocalDirectoryStore(path);
  }
  checkBucket(config.kind, config.bucket);
  checkPrefix(config.prefix);
  const env = deps.env ?? process.env;
  if (config.kind === "gcs") {
    // The variable Google's client libraries read to reach a Cloud Storage emulator (tests, fakes).
    const emulator = env.STORAGE_EMULATOR_HOST;
    return new GcsStore({
      bucket: config.bucket,
      ...(config.prefix === undefined ? {} : { prefix: config.prefix }),
      ...(emulator ? { endpoint: emulator } : {}),
      token: deps.googleToken([GCS_STORE_SCOPE]),
      sleep: deps.sleep,
    });
  }
  return s3Store(config, env);
}

function checkBucket(kind: "gcs" | "s3", bucket: string): void {
  if (BUCKET_NAME[kind].test(bucket)) return;
  throw new StoreConfigError(
    `rollout.store.bucket ${JSON.stringify(bucket)} is not ${kind === "gcs" ? "a GCS" : "an S3"} bucket name: 3 to 63 lowercase letters, digits, dots and hyphens${kind === "gcs" ? " (or underscores)" : ""}, starting and ending with a letter or digit; give the bucket's name alone, without ${kind === "gcs" ? "gs://" : "s3://"} or a path (a path goes in rollout.store.prefix)`,
  );
}

function checkPrefix(prefix: string | undefined): void {
  if (prefix === undefined) return;
  try {
    checkObjectPrefix(prefix.replace(/^\/+/, ""));
  } catch (error) {
    throw new StoreConfigError(`rollout.store.prefix: ${(error as Error).message}`);
  }
}

function s3Store(
  config: Extract<StoreConfig, { kind: "s3" }>,
  env: Record<string, string | undefined>,
): ObjectStore {
  const region = config.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region)
    throw new StoreConfigError(
      "rollout.store.region is not set and neither is AWS_REGION: set rollout.store.region to the bucket's region (e.g. eu-west-1)",
    );
  // Loaded on first use: the SDK costs CPU that `ion-rollout --help` and local stages never need.
  const { S3Client } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
  return new S3Store({
    // Credentials from the default chain (environment, web identity on CI, SSO, instance role),
    // which refreshes them before they expire.
    // Timeouts as for GCS (object-store.ts): a stalled request fails instead of holding the runner.
    client: new S3Client({
      region,
      requestHandler: {
        requestTimeout: STORE_REQUEST_TIMEOUT_MS,
        connectionTimeout: STORE_REQUEST_TIMEOUT_MS,
      },
    }),
    bucket: config.bucket,
    ...(config.prefix === undefined ? {} : { prefix: config.prefix }),
  });
}
