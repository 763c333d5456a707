import type { BearerTokenProvider } from "../metrics/google-token";

/** One Google REST call with a bearer token; the JSON answer, or an error naming the status and the API's message. */
export async function googleJson<T>(
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
