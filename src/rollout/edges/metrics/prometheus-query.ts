import { oneLine } from "../../core/text/sanitise";
import type { BearerTokenProvider } from "./google-token";

/**
 * One instant query against a Prometheus-compatible HTTP API (`/api/v1/query`): Prometheus itself,
 * or Cloud Monitoring's PromQL endpoint. Resolves to a number, or null when the query has no data;
 * rejects on anything that is not a well-formed answer, so the caller can record it as an error.
 */
export interface InstantQueryRequest {
  /** `<baseUrl>/api/v1/query`. */
  url: string;
  query: string;
  /** Evaluation time, epoch seconds: every query of one sample is evaluated at the same instant. */
  time: number;
  fetch: typeof fetch;
  token?: BearerTokenProvider;
  /** `user:password` for HTTP basic auth, taken out of the base URL (fetch refuses URLs with them). */
  basicAuth?: string;
  timeoutMs: number;
  /** The signal that gives up after `timeoutMs` (default `AbortSignal.timeout`); tests fire it on an event. */
  timeoutSignal?: (ms: number) => AbortSignal;
  signal?: AbortSignal;
}

/** A query's failure; its message may quote the server's body, so it is made terminal-safe here. */
export class PrometheusQueryError extends Error {
  override name = "PrometheusQueryError";
  constructor(message: string) {
    super(oneLine(message));
  }
}

export interface ApiResponse {
  status?: unknown;
  errorType?: unknown;
  error?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

/** Prometheus encodes sample values as strings, including "NaN", "+Inf" and "-Inf". */
export function parseSampleValue(text: unknown): number | null {
  if (typeof text !== "string")
    throw new PrometheusQueryError(`sample value is not a string: ${String(text)}`);
  if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (text === "NaN") return null; // 0/0 (no requests in the window): no data, never zero.
  const value = Number(text);
  if (text.trim() === "" || Number.isNaN(value)) {
    throw new PrometheusQueryError(`sample value is not a number: ${JSON.stringify(text)}`);
  }
  return value;
}

function sampleValueOf(pair: unknown): number | null {
  if (!Array.isArray(pair) || pair.length !== 2) {
    throw new PrometheusQueryError(`malformed sample: ${JSON.stringify(pair)}`);
  }
  return parseSampleValue(pair[1]);
}

/** Reads the one number a runner query yields; several series mean the query is not aggregated. */
export function parseInstantResult(body: ApiResponse): number | null {
  if (body.status === "error") {
    throw new PrometheusQueryError(
      `query rejected (${String(body.errorType ?? "error")}): ${String(body.error)}`,
    );
  }
  if (body.status !== "success" || !body.data) {
    throw new PrometheusQueryError(`not a Prometheus API response (status ${JSON.stringify(body.status)})`);
  }
  const { resultType, result } = body.data;
  if (resultType === "scalar") return sampleValueOf(result);
  if (resultType !== "vector" || !Array.isArray(result)) {
    throw new PrometheusQueryError(
      `expected an instant vector, got resultType ${JSON.stringify(resultType)}`,
    );
  }
  if (result.length === 0) return null;
  if (result.length > 1) {
    throw new PrometheusQueryError(`expected one series, got ${result.length}; the query must aggregate`);
  }
  return sampleValueOf((result[0] as { value?: unknown }).value);
}

/** Splits `user:password@` out of a URL: fetch will not send them, and messages must not show them. */
export function splitCredentials(url: string): { url: string; basicAuth?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url };
  }
  if (!parsed.username && !parsed.password) return { url };
  const basicAuth = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  parsed.username = "";
  parsed.password = "";
  return { url: parsed.toString(), basicAuth };
}

/** Strips user:password and the query string from a URL before it appears in a message. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = "REDACTED";
      parsed.password = "";
    }
    parsed.search = parsed.search ? "?REDACTED" : "";
    return parsed.toString();
  } catch {
    return "(invalid URL)";
  }
}

/** One series of an instant vector: its labels (sorted, as one key), the labels, and its value. */
export interface VectorSample {
  series: string;
  labels: Record<string, string>;
  value: number;
}

/** Every series of an instant vector: its labels (sorted, as one key) and value. */
export function parseVectorResult(body: ApiResponse): VectorSample[] {
  if (
    body.status !== "success" ||
    !body.data ||
    body.data.resultType !== "vector" ||
    !Array.isArray(body.data.result)
  ) {
    parseInstantResult(body); // throws the precise error
    throw new PrometheusQueryError("expected an instant vector");
  }
  return body.data.result.flatMap((item: { metric?: Record<string, string>; value?: unknown }) => {
    const value = sampleValueOf(item.value);
    if (value === null || !Number.isFinite(value)) return [];
    const labels = Object.entries(item.metric ?? {}).sort(([a], [b]) => a.localeCompare(b));
    return [{ series: labels.map(([k, v]) => `${k}=${v}`).join(","), labels: item.metric ?? {}, value }];
  });
}

/** An instant query whose answer is every series (raw counters), not one aggregated number. */
export async function instantVector(request: InstantQueryRequest): Promise<VectorSample[]> {
  return parseVectorResult(
    await postPrometheusApi(request, { query: request.query, time: request.time.toFixed(3) }),
  );
}

export async function instantQuery(request: InstantQueryRequest): Promise<number | null> {
  return parseInstantResult(
    await postPrometheusApi(request, { query: request.query, time: request.time.toFixed(3) }),
  );
}

/** What any Prometheus API call needs besides its own parameters. */
export type PrometheusApiRequest = Omit<InstantQueryRequest, "query" | "time">;

/**
 * POSTs one Prometheus HTTP API call (`/api/v1/query`, `/api/v1/query_range`) and returns its
 * successful answer; rejects with a PrometheusQueryError that says what went wrong and where.
 */
export async function postPrometheusApi(
  request: PrometheusApiRequest,
  params: Record<string, string>,
): Promise<ApiResponse> {
  const headers: Record<string, string> = {
    accept: "application/json",
    "content-type": "application/x-www-form-urlencoded",
  };
  if (request.basicAuth) headers.authorization = `Basic ${Buffer.from(request.basicAuth).toString("base64")}`;
  if (request.token) headers.authorization = `Bearer ${await request.token()}`;
  const timeout = (request.timeoutSignal ?? ((ms) => AbortSignal.timeout(ms)))(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  // POST with a form body: long PromQL stays out of URLs and access logs; both Prometheus and
  // Cloud Monitoring accept it.
  const body = new URLSearchParams(params);
  let response: Response;
  let text: string;
  try {
    response = await request.fetch(request.url, { method: "POST", headers, body, signal });
    text = await response.text();
  } catch (error) {
    if (request.signal?.aborted) throw request.signal.reason;
    if (timeout.aborted) {
      throw new PrometheusQueryError(
        `no answer within ${request.timeoutMs} ms from ${redactUrl(request.url)}`,
      );
    }
    // fetch says only "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND, a TLS error).
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause ? ` (${cause.code ?? cause.message})` : "";
    throw new PrometheusQueryError(
      `${redactUrl(request.url)} unreachable: ${(error as Error).message}${why}`,
    );
  }
  let parsed: ApiResponse | undefined;
  try {
    parsed = JSON.parse(text) as ApiResponse;
  } catch {
    parsed = undefined;
  }
  // Prometheus answers 400/422/503 with a JSON error body that says more than the status code.
  if (parsed?.status === "error") {
    throw new PrometheusQueryError(
      `query rejected (${String(parsed.errorType ?? "error")}): ${String(parsed.error)}`,
    );
  }
  if (!response.ok) {
    throw new PrometheusQueryError(
      `HTTP ${response.status} from ${redactUrl(request.url)}: ${text.slice(0, 200).replace(/\s+/g, " ")}`,
    );
  }
  if (!parsed) throw new PrometheusQueryError(`non-JSON answer from ${redactUrl(request.url)}`);
  return parsed;
}
