import { binomialTable } from "./binomial";
import { logMixture } from "./likelihood";
import type { GoGateRule } from "./rule";

/**
 * Exact P(the GO gate ever passes within the schedule) for a canary at a fixed error rate: DP over
 * the cumulative error count (requests are fixed by the schedule). An upper bound on the chance a
 * step advances, since advancing also needs no revert, the bake time and the GO level.
 */
export function exactGoPass(go: GoGateRule, requestsPerCheck: readonly number[], rate: number): number {
  let states = new Map<number, number>([[0, 1]]);
  let requests = 0;
  let passed = 0;
  for (const n of requestsPerCheck) {
    requests += n;
    const table = binomialTable(n, rate);
    const next = new Map<number, number>();
    for (const [errors, probability] of states) {
      table.probabilities.forEach((q, i) => {
        const total = errors + table.from + i;
        const mass = probability * q;
        if (logMixture(total, requests, go.alternatives, go.limit) >= go.logBar) passed += mass;
        else next.set(total, (next.get(total) ?? 0) + mass);
      });
    }
    states = next;
  }
  return passed;
}
