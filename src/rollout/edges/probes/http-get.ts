import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/**
 * One GET with a deadline, on node:http(s) rather than fetch so a certificate check can be relaxed
 * for one request (the AWS test listener) without touching any other connection. The body is
 * drained and discarded. Never throws: a refused connection or a timeout is an answer too.
 */

export interface GetAnswer {
  /** HTTP status, or null when no answer came (refused, reset, timed out, TLS error). */
  status: number | null;
  ms: number;
  error?: string;
}

export interface GetOptions {
  timeoutMs: number;
  acceptSelfSigned?: boolean;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Milliseconds; default performance.now. */
  now?: () => number;
}

export function httpGet(url: string, options: GetOptions): Promise<GetAnswer> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: number | null, error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ status, ms: now() - started, ...(error ? { error } : {}) });
    };
    const parsed = new URL(url);
    const send = parsed.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(
      parsed,
      {
        method: "GET",
        headers: { "user-agent": "ion-rollout-probe", ...options.headers },
        ...(parsed.protocol === "https:" && options.acceptSelfSigned ? { rejectUnauthorized: false } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (res) => {
        res.resume();
        res.on("end", () => done(res.statusCode ?? null));
        res.on("error", (error) => done(res.statusCode ?? null, error.message));
      },
    );
    const timer = setTimeout(() => {
      done(null, `no answer within ${options.timeoutMs} ms`);
      req.destroy();
    }, options.timeoutMs);
    req.on("error", (error) => done(null, error.message));
    req.end();
  });
}

export const is2xx = (status: number | null): boolean => status !== null && status >= 200 && status < 300;
