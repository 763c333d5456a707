import type { StageConfig } from "../../../src/config";
import { sideQueries } from "../../../src/signals";
import { type LocalHttp, sendJson, startLocalHttp } from "../edges/local-http";

/**
 * A local HTTP server speaking Prometheus' `query_range`: it recognises the signals module's exact
 * queries and answers each evaluation time from `value` (undefined: no sample, a gap).
 */
export type ValueAt = (side: "canary" | "stable", signal: string, timeMs: number) => string | undefined;

function identify(cfg: StageConfig, window: number, query: string | null) {
  for (const side of ["canary", "stable"] as const) {
    for (const [signal, text] of Object.entries(sideQueries(cfg, side, window))) {
      if (text === query) return { side, signal };
    }
  }
  return undefined;
}

export async function fakePrometheus(
  cfg: StageConfig,
  window: number,
  value: ValueAt,
  override?: (signal: string) => { status: number; body: unknown } | undefined,
): Promise<LocalHttp> {
  return startLocalHttp((request, response) => {
    const form = new URLSearchParams(request.body);
    const id = identify(cfg, window, form.get("query"));
    if (!request.path.endsWith("/api/v1/query_range") || !id) {
      sendJson(response, 400, { status: "error", errorType: "bad_data", error: "unknown query" });
      return;
    }
    const special = override?.(id.signal);
    if (special) {
      sendJson(response, special.status, special.body);
      return;
    }
    const start = Number(form.get("start")) * 1000;
    const end = Number(form.get("end")) * 1000;
    const step = Number.parseInt(form.get("step") ?? "0", 10) * 1000;
    const values: [number, string][] = [];
    for (let t = start; t <= end; t += step) {
      const v = value(id.side, id.signal, t);
      if (v !== undefined) values.push([t / 1000, v]);
    }
    const result = values.length > 0 ? [{ metric: {}, values }] : [];
    sendJson(response, 200, { status: "success", data: { resultType: "matrix", result } });
  });
}
