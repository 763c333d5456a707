import type { HealthProbeConfig } from "../../../config";
import type { ProbeOutcome } from "../../core/gate/types";
import { type GetAnswer, httpGet, is2xx } from "./http-get";
import type { Endpoint } from "./types";

/**
 * The health probe (the blue-green runbook: `curl https://…-green…run.app/health` before traffic, and the public
 * URL's /health after 100%): `requests` GETs of the health path, one after another; every one must
 * answer 2xx within `timeoutMs`. Stops at the first failure: a dead endpoint is not asked again.
 */
export async function healthProbe(
  side: string,
  endpoint: Endpoint,
  cfg: HealthProbeConfig & { path: string },
  signal?: AbortSignal,
): Promise<ProbeOutcome> {
  const target = `${side} ${endpoint.url}${cfg.path}`;
  const answers: GetAnswer[] = [];
  for (let i = 0; i < cfg.requests; i++) {
    const headers = endpoint.headers ? await endpoint.headers() : {};
    const answer = await httpGet(`${endpoint.url}${cfg.path}`, {
      timeoutMs: cfg.timeoutMs,
      headers,
      ...(endpoint.acceptSelfSigned ? { acceptSelfSigned: true } : {}),
      ...(signal ? { signal } : {}),
    });
    answers.push(answer);
    if (!is2xx(answer.status)) break;
  }
  const ok = answers.filter((a) => is2xx(a.status)).length;
  const passed = ok === cfg.requests;
  const slowest = Math.round(Math.max(...answers.map((a) => a.ms)));
  const last = answers[answers.length - 1];
  const failure =
    last && !is2xx(last.status) ? `; request ${answers.length}: ${last.status ?? last.error}` : "";
  return {
    probe: "health",
    target,
    passed,
    summary: `${ok}/${cfg.requests} 2xx within ${cfg.timeoutMs} ms${failure}${passed ? `, slowest ${slowest} ms` : ""}`,
    detail: { requests: answers.length, ok, slowestMs: slowest, lastStatus: last?.status ?? null },
  };
}
