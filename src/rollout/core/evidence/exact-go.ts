import { binomialTable } from "./binomial";
import { logMixture } from "./likelihood";
import type { GoGateRule } from "./rule";

/**
 * Exact P(the GO gate ever passes within the schedule) for a canary at a fixed error rate: DP over
 * the cumulative error count (requests are fixed by the schedule). An upper bound on the chance a
 * step advances, since advancing also needs no revert, the bake time and the GO level.
 */
export function exactGoPass(go: GoGateRule, requestsPerCheck: readonly number[], rate: number): number {
  let alive = Float64Array.of(1);
  let requests = 0;
  let passed = 0;
  for (const n of requestsPerCheck) {
    requests += n;
    const { probabilities, from } = binomialTable(n, rate);
    // Fewer errors only raise the gate's e-value: it passes at and below one count per check.
    const most = mostErrorsPassing(go, requests);
    const next = new Float64Array(alive.length + from + probabilities.length);
    for (let errors = 0; errors < alive.length; errors++) {
      const p = alive[errors] as number;
      if (p === 0) continue;
      for (let i = 0; i < probabilities.length; i++) {
        const q = probabilities[i] as number;
        const total = errors + from + i;
        if (total <= most) passed += p * q;
        else next[total] = (next[total] as number) + p * q;
      }
    }
    alive = next;
  }
  return passed;
}

/** The most cumulative errors out of `requests` with which the gate passes (-1: none). */
function mostErrorsPassing(go: GoGateRule, requests: number): number {
  const passes = (e: number) => logMixture(e, requests, go.alternatives, go.limit) >= go.logBar;
  if (!passes(0)) return -1;
  let low = 0;
  let high = requests + 1;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (passes(mid)) low = mid;
    else high = mid;
  }
  return low;
}
