import type { RateProbeConfig } from "../../../config";
import type { ProbeOutcome } from "../../core/gate/types";
import { type GetAnswer, httpGet, is2xx } from "./http-get";
import type { Endpoint } from "./types";

/**
 * The readiness checklist's rate-limit probe (`rate_limit_probe.ps1 -RequestsPerSide 10 -DelayMsBetweenRequests
 * 500`, success > 95%): `requestsPerSide` GETs to each side at a fixed spacing, both sides at once
 * so they see the same moment; each side's 2xx share must reach `minSuccessRate`. The P95 of each
 * side is reported so a stable/canary difference shows; only the canary's success decides.
 * Waiting between requests is injected (tests pass a sleep that resolves at once).
 */

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface SideResult {
  requests: number;
  ok: number;
  successRate: number;
  p95Ms: number;
  statuses: Record<string, number>;
}

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] as number;
}

async function probeSide(
  endpoint: Endpoint,
  cfg: RateProbeConfig & { path: string },
  sleep: Sleep,
  signal?: AbortSignal,
): Promise<SideResult> {
  const answers: GetAnswer[] = [];
  for (let i = 0; i < cfg.requestsPerSide; i++) {
    if (i > 0) await sleep(cfg.spacingMs, signal);
    if (signal?.aborted) break;
    const headers = endpoint.headers ? await endpoint.headers() : {};
    answers.push(
      await httpGet(`${endpoint.url}${cfg.path}`, {
        timeoutMs: cfg.timeoutMs,
        headers,
        ...(endpoint.acceptSelfSigned ? { acceptSelfSigned: true } : {}),
        ...(signal ? { signal } : {}),
      }),
    );
  }
  const statuses: Record<string, number> = {};
  for (const a of answers)
    statuses[String(a.status ?? "none")] = (statuses[String(a.status ?? "none")] ?? 0) + 1;
  const ok = answers.filter((a) => is2xx(a.status)).length;
  return {
    requests: cfg.requestsPerSide,
    ok,
    successRate: ok / cfg.requestsPerSide,
    p95Ms: Math.round(
      percentile(
        answers.map((a) => a.ms),
        0.95,
      ),
    ),
    statuses,
  };
}

const pct = (v: number) => `${+(v * 100).toFixed(1)}%`;

export async function rateProbe(
  endpoints: { canary: Endpoint; stable: Endpoint },
  cfg: RateProbeConfig & { path: string },
  sleep: Sleep,
  signal?: AbortSignal,
): Promise<ProbeOutcome> {
  const [canary, stable] = await Promise.all([
    probeSide(endpoints.canary, cfg, sleep, signal),
    probeSide(endpoints.stable, cfg, sleep, signal),
  ]);
  const passed = canary.successRate >= cfg.minSuccessRate;
  const side = (name: string, r: SideResult) =>
    `${name} ${r.ok}/${r.requests} 2xx (${pct(r.successRate)}), P95 ${r.p95Ms} ms`;
  return {
    probe: "probe",
    target: `${endpoints.canary.url}${cfg.path} vs ${endpoints.stable.url}${cfg.path}`,
    passed,
    summary: `${side("canary", canary)}; ${side("stable", stable)}; needs >= ${pct(cfg.minSuccessRate)}, ${cfg.requestsPerSide} per side ${cfg.spacingMs} ms apart`,
    detail: {
      canarySuccessRate: canary.successRate,
      canaryP95Ms: canary.p95Ms,
      canaryStatuses: JSON.stringify(canary.statuses),
      stableSuccessRate: stable.successRate,
      stableP95Ms: stable.p95Ms,
      stableStatuses: JSON.stringify(stable.statuses),
      minSuccessRate: cfg.minSuccessRate,
    },
  };
}
