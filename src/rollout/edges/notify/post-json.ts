import { publicOrigin, redactSecrets } from "./redact";

export interface PostJsonOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** The signal that gives up after `timeoutMs`; tests fire it on an event instead of the clock. */
  timeoutSignal?: (ms: number) => AbortSignal;
  headers?: Record<string, string>;
  /** Values that must never appear in an error message (the URL itself, signing secrets). */
  secrets?: (string | undefined)[];
}

/**
 * POSTs a JSON body and rejects unless the answer is 2xx. Error messages name the host only:
 * webhook URLs carry their credentials in the path.
 */
export async function postJson(url: string, body: string, options: PostJsonOptions = {}): Promise<void> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const secrets = [url, ...(options.secrets ?? [])];
  const where = publicOrigin(url);
  let response: Response;
  try {
    response = await doFetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...options.headers },
      body,
      signal: (options.timeoutSignal ?? ((ms) => AbortSignal.timeout(ms)))(timeoutMs),
    });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    const reason =
      e.name === "TimeoutError"
        ? `no answer within ${timeoutMs} ms`
        : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new Error(redactSecrets(`POST ${where} failed: ${reason}`, secrets));
  }
  const text = await response.text().catch(() => "");
  if (!response.ok) {
    throw new Error(
      redactSecrets(
        `POST ${where} answered HTTP ${response.status}: ${text.slice(0, 200).replace(/\s+/g, " ")}`,
        secrets,
      ),
    );
  }
}
