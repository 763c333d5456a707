import type { BearerTokenProvider } from "../metrics/google-token";

/** How a call waits before retrying a transient answer (the driver's polling sleep). */
export interface GoogleRetry {
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Waits before each retry; default `GOOGLE_RETRY_DELAYS_MS`. */
  delaysMs?: readonly number[];
}

/**
 * Short waits: the call may be a revert, whose other path (a targeted `pulumi up`) takes minutes.
 * Service Usage's troubleshooting (https://cloud.google.com/service-usage/docs/troubleshooting)
 * recommends retrying "with exponential intervals plus randomness", 1 s for 500 and 503.
 */
export const GOOGLE_RETRY_DELAYS_MS: readonly number[] = [500, 1_000, 2_000];

/**
 * Answers worth another try: 408, 429 and 5xx (Google's retry guidance), and Compute Engine's rate
 * quota, which it answers 403 with reason `rateLimitExceeded` (https://cloud.google.com/compute/api-quota).
 * Both calls retried are safe to repeat: a GET, and a PATCH of a whole desired split (the URL map's
 * carries its fingerprint, so a repeat after a landed one is a 412 the driver reads again).
 */
function transient(status: number, json: unknown): boolean {
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) return true;
  if (status !== 403) return false;
  const errors = (json as { error?: { errors?: { reason?: unknown }[] } } | undefined)?.error?.errors;
  return (errors ?? []).some((e) => e.reason === "rateLimitExceeded" || e.reason === "userRateLimitExceeded");
}

/**
 * One Google REST call with a bearer token, retried after each of `retry`'s waits while the answer
 * is transient; the last JSON answer and its status.
 */
export async function googleJson<T>(
  token: BearerTokenProvider,
  method: "GET" | "PATCH",
  url: string,
  body?: unknown,
  signal?: AbortSignal,
  retry?: GoogleRetry,
): Promise<{ status: number; json: T }> {
  for (const delay of retry ? (retry.delaysMs ?? GOOGLE_RETRY_DELAYS_MS) : []) {
    const answer = await googleCall<T>(token, method, url, body, signal);
    if (!transient(answer.status, answer.json)) return answer;
    await retry?.sleep(delay, signal);
  }
  return googleCall<T>(token, method, url, body, signal);
}

async function googleCall<T>(
  token: BearerTokenProvider,
  method: "GET" | "PATCH",
  url: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<{ status: number; json: T }> {
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${await token()}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(signal ? { signal } : {}),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === "" ? {} : JSON.parse(text);
  } catch {
    json = { error: { message: text.slice(0, 200) } };
  }
  return { status: response.status, json: json as T };
}

/** The error a Google API answered with (`{"error": {"code", "message", "status"}}`), as one line. */
export function googleError(what: string, status: number, json: unknown): Error {
  const error = (json as { error?: { message?: unknown; status?: unknown } } | undefined)?.error;
  const message = typeof error?.message === "string" ? error.message.slice(0, 300) : "no message";
  const code = typeof error?.status === "string" ? ` ${error.status}` : "";
  return new Error(`${what}: HTTP ${status}${code}: ${message}`);
}
