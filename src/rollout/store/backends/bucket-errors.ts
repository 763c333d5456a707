/**
 * What a bucket's refusal means for the person running the rollout: which config key to check
 * and what to grant, instead of an HTTP status.
 */

/** "" or a prefix ending in "/": object names are the prefix plus the key. */
export function bucketPrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? "").replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? "" : `${trimmed}/`;
}

export interface StoreRequestFailure {
  /** `gs://bucket/prefix/`, `s3://bucket/prefix/`. */
  store: string;
  key: string;
  what: "read" | "write" | "list" | "remove";
  status: number | undefined;
  detail: string;
  /** The IAM permission (or action) the operation needs. */
  permission: string;
  bucketKind: "GCS" | "S3";
}

/** The error for a request the bucket refused (neither success nor a failed precondition). */
export function storeRequestError(failure: StoreRequestFailure): Error {
  const where = `${failure.what} ${JSON.stringify(failure.key)} in ${failure.store}`;
  const detail = failure.detail.trim() === "" ? "" : ` (${failure.detail.trim()})`;
  if (failure.status === 401 || failure.status === 403)
    return new Error(
      `${where}: access denied${detail}; the credentials this command runs with need ${failure.permission} on the ${failure.bucketKind} bucket named by rollout.store.bucket`,
    );
  if (failure.status === 404)
    return new Error(
      `${where}: the bucket does not exist${detail}; the stage's stack creates the bucket named by rollout.store.bucket: run \`pulumi up\` on the stage's stack once after setting rollout.store, or correct rollout.store.bucket in the stage config`,
    );
  return new Error(
    `${where}: the ${failure.bucketKind} request failed with status ${failure.status ?? "unknown"}${detail}`,
  );
}
