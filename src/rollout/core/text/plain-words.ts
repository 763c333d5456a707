import type { SignalName, SignalVerdict } from "../analysis/types";

/**
 * A decision's first line in plain words: what happened, at which weight, after how long, and the
 * measurement that decided it against its limit ("reverted at 25% after 3 s: 20 of 118 requests
 * failed in the last check (17%), limit 1%"). The statistics (e-values, bars, change points) stay
 * in the record's `reasons` and signals, for `explain` and the report's detail. Pure.
 */

const NAMES: Record<SignalName, string> = {
  errorRate: "error rate",
  p95LatencyMs: "P95 latency",
  memory: "memory",
  cpu: "CPU",
  health: "health check",
};

export function percent(ratio: number): string {
  const value = ratio * 100;
  return `${value >= 10 ? Math.round(value) : +value.toFixed(value >= 1 ? 1 : 2)}%`;
}

function amount(signal: SignalName, value: number): string {
  if (signal === "p95LatencyMs") return `${Math.round(value)} ms`;
  if (signal === "health") return `${value}`;
  return percent(value);
}

export function seconds(value: number): string {
  if (value < 120) return `${Math.round(value)} s`;
  const minutes = Math.floor(value / 60);
  const rest = Math.round(value - minutes * 60);
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

function inARow(s: SignalVerdict): string {
  return s.threshold.consecutive > 1 ? ` (${s.counter} checks in a row)` : "";
}

/** Failed requests as counts: this check's, and since the canary took traffic when that differs. */
function failedRequests(s: SignalVerdict): string | undefined {
  const evidence = s.evidence;
  const limit = s.threshold.rollbackAbove;
  if (!evidence || limit === undefined) return undefined;
  const { check } = evidence;
  const rate = (errors: number, requests: number) =>
    requests > 0 ? percent(errors / requests) : "no requests";
  const total = `${evidence.errors} of ${evidence.requests} requests failed since the canary took traffic (${rate(evidence.errors, evidence.requests)})`;
  if (check.requests === 0 || check.requests === evidence.requests)
    return `${total}, limit ${percent(limit)}`;
  const last = `${check.errors} of ${check.requests} requests failed in the last check (${rate(check.errors, check.requests)})`;
  // Lead with the last check when it breaches by itself; the cumulative count is what the test judged.
  const lastBreaches = check.errors / check.requests > limit;
  return lastBreaches
    ? `${last}, limit ${percent(limit)}; ${total}`
    : `${total}, limit ${percent(limit)}; ${last}`;
}

/** P95 judged by counts: requests slower than the limit, since the canary took traffic and in the last check. */
function slowRequests(s: SignalVerdict): string | undefined {
  const evidence = s.evidence;
  const limit = s.threshold.rollbackAbove;
  if (!evidence || limit === undefined) return undefined;
  const { check } = evidence;
  const share = evidence.requests > 0 ? ` (${percent(evidence.errors / evidence.requests)})` : "";
  const last = check.requests > 0 ? `; ${check.errors} of ${check.requests} in the last check` : "";
  return `P95 latency: ${evidence.errors} of ${evidence.requests} requests slower than ${limit} ms since the canary took traffic${share}${last}`;
}

/** A signal past its roll-back limit, in words. */
export function breachInWords(s: SignalVerdict): string {
  const counts =
    s.signal === "errorRate" ? failedRequests(s) : s.signal === "p95LatencyMs" ? slowRequests(s) : undefined;
  if (counts) return counts;
  const limit = s.threshold.rollbackAbove;
  if (s.value === null || limit === undefined) return `${NAMES[s.signal]}: ${s.reason}`;
  if (s.signal === "health") return `${s.value} health checks failed in a row, limit ${limit}`;
  const of = s.signal === "errorRate" && s.sampleSize !== null ? ` of ${s.sampleSize} requests` : "";
  return `${NAMES[s.signal]} ${amount(s.signal, s.value)}${of}, above the ${amount(s.signal, limit)} limit${inARow(s)}`;
}

/** A signal within its limits so far whose GO gate only lacks evidence: not an OBSERVE to show. */
export function onlyGathering(
  s: Pick<SignalVerdict, "verdict" | "evidence" | "value" | "threshold">,
): boolean {
  if (s.verdict === "GO") return true;
  const go = s.threshold.goAtMost;
  return (
    s.verdict === "OBSERVE" &&
    s.evidence !== undefined &&
    !s.evidence.withinLimit &&
    s.value !== null &&
    (go === undefined || s.value <= go)
  );
}

function gathering(s: SignalVerdict): string {
  const counts = s.evidence ? ` (${s.evidence.errors} of ${s.evidence.requests} failed so far)` : "";
  return `gathering evidence that the ${NAMES[s.signal]} is within its limit${counts}`;
}

/**
 * A signal holding a step back, in words: gathering evidence (within the limit so far), or
 * between its GO limit and its roll-back limit.
 */
export function holdInWords(s: SignalVerdict, gated = false): string | undefined {
  if (s.verdict === "NO-GO") return undefined;
  // A GO signal holds only the promotion back, while its gate's evidence is not in yet.
  if (s.verdict === "GO") return gated && s.evidence && !s.evidence.withinLimit ? gathering(s) : undefined;
  if (s.verdict === "INCONCLUSIVE") return `${NAMES[s.signal]}: no usable measurement`;
  const go = s.threshold.goAtMost;
  if (s.value === null) return `${NAMES[s.signal]}: no value yet`;
  if (onlyGathering(s) && s.evidence) return gathering(s);
  const limit = go === undefined ? "" : ` above the GO limit ${amount(s.signal, go)}`;
  return `${NAMES[s.signal]} ${amount(s.signal, s.value)}${limit}`;
}
