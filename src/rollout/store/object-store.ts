/**
 * Where a rollout's state, journal, operator requests and lease live: a local directory
 * (rehearsal, tests, one machine) or a shared bucket (GCS for GCP stages, S3 for AWS stages), so
 * that every machine with the stage config and credentials sees the same rollout.
 *
 * The whole contract is a key/value store with compare-and-swap writes: a write names the version
 * it replaces (or that the key must not exist), and fails with `PreconditionFailedError` when
 * another writer got there first. GCS gives it with generation preconditions
 * (`ifGenerationMatch`, 0 = must not exist), S3 with conditional writes (`If-Match` on the ETag,
 * `If-None-Match: *`), the local directory with a per-key mutex file. One contract test suite runs
 * against every implementation (test/rollout/store/object-store-contract.ts).
 *
 * Keys are slash-separated segments, checked alike by every backend (object-key.ts). Every write
 * makes a new version, also of the same text or of a key removed and written anew, so a writer
 * holding a stale version is always refused.
 */

/** One stored object. */
export interface StoredObject {
  text: string;
  /** Opaque: what a conditional write names (GCS generation, S3 ETag, a local file's version). */
  version: string;
  /** When the object was last written, in the store's own clock (epoch ms). */
  updatedAtMs: number;
  /** The store's clock when it answered this read (epoch ms): ages are measured on one clock. */
  readAtMs: number;
}

/** When a write may happen: only if the key is absent, or still at the version the writer read. */
export type WriteCondition = { ifAbsent: true } | { ifVersion: string };

/** The condition of a write or remove did not hold: another writer changed the key first. */
export class PreconditionFailedError extends Error {
  override name = "PreconditionFailedError";
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`${key}: ${detail}`);
  }
}

export interface ObjectStore {
  /** For people: `gs://bucket/prefix`, `s3://bucket/prefix`, `/abs/dir`. */
  readonly description: string;
  /** The object at `key`; undefined when there is none. */
  read(key: string, signal?: AbortSignal): Promise<StoredObject | undefined>;
  /** Writes `text` when `condition` holds; resolves to the new version; `PreconditionFailedError` when not. */
  write(key: string, text: string, condition: WriteCondition, signal?: AbortSignal): Promise<string>;
  /** The keys that start with `prefix`, sorted by their UTF-8 bytes (as GCS and S3 list them). */
  list(prefix: string, signal?: AbortSignal): Promise<string[]>;
  /**
   * Removes `key` (with `ifVersion`: only while it is at that version, else
   * `PreconditionFailedError`). A key that is already gone is not an error.
   */
  remove(key: string, condition?: { ifVersion: string }, signal?: AbortSignal): Promise<void>;
}

/**
 * How long one bucket request may take (a stalled connection included) before it fails. The runner
 * reads operator requests and writes its state between checks: a request that never answers must
 * fail like any store error (reported, retried) rather than hold the loop that judges the canary.
 */
export const STORE_REQUEST_TIMEOUT_MS = 10_000;

/** The caller's signal (if any) combined with a request timeout. */
export function withRequestTimeout(signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}
