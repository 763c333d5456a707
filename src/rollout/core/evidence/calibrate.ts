import { binomialTable } from "./binomial";
import type { EvidenceRule } from "./rule";
import { type CountEvidenceState, changePointLog, observeCounts } from "./state";

/**
 * The change-point bar for a traffic level, computed exactly.
 *
 * CUSUM has no Ville bound: restarting discards the supermartingale. Its guarantee is the
 * probability of a false revert over the rollout's longest horizon, which depends on how many
 * requests each check brings (few requests → few, coarse values of the statistic → a lower bar is
 * as safe). So the bar is the smallest one whose exact false-revert probability over `horizonChecks`
 * checks of `requestsPerCheck` requests at `healthyRate` (the GO level: the promise is about healthy
 * canaries, and the CUSUM's crossing probability only grows with the true rate) is at most `budget`.
 */
export function calibrateChangePointLogBar(
  rule: Pick<EvidenceRule, "nullRate" | "changePointRate">,
  requestsPerCheck: number,
  horizonChecks: number,
  budget: number,
  healthyRate: number = rule.nullRate,
): number {
  const falseRevert = (logBar: number) =>
    changePointCrossing(rule, requestsPerCheck, horizonChecks, healthyRate, logBar);
  let low = 0;
  let high = Math.log(horizonChecks / budget); // Doob's bound on the Shiryaev–Roberts statistic ≥ CUSUM
  if (falseRevert(low) <= budget) return low;
  for (let i = 0; i < 40; i++) {
    const mid = (low + high) / 2;
    if (falseRevert(mid) <= budget) high = mid;
    else low = mid;
  }
  return high;
}

/** Exact P(the CUSUM alone reaches `logBar` within `checks` checks of `requests` at error rate `rate`). */
export function changePointCrossing(
  rule: Pick<EvidenceRule, "nullRate" | "changePointRate">,
  requests: number,
  checks: number,
  rate: number,
  logBar: number,
): number {
  const full = { ...rule, cumulativeLogBar: 0, changePointLogBar: logBar } as EvidenceRule;
  const table = binomialTable(requests, rate);
  let states = new Map<number, { state: CountEvidenceState; probability: number }>();
  states.set(0, { state: { requests: 0, errors: 0, segmentRequests: 0, segmentErrors: 0 }, probability: 1 });
  let crossed = 0;
  for (let t = 0; t < checks; t++) {
    const next = new Map<number, { state: CountEvidenceState; probability: number }>();
    for (const { state, probability } of states.values()) {
      table.probabilities.forEach((q, i) => {
        const after = segmentOnly(observeCounts(state, { requests, errors: table.from + i }, full));
        const mass = probability * q;
        if (changePointLog(after, full) >= logBar) crossed += mass;
        else {
          const k = after.segmentErrors * 1e7 + after.segmentRequests;
          const found = next.get(k);
          if (found) found.probability += mass;
          else next.set(k, { state: after, probability: mass });
        }
      });
    }
    states = next;
  }
  return crossed;
}

/** The CUSUM does not read the cumulative counts: drop them so equal runs share one DP state. */
function segmentOnly(s: CountEvidenceState): CountEvidenceState {
  const { segmentRequests, segmentErrors } = s;
  return { requests: segmentRequests, errors: segmentErrors, segmentRequests, segmentErrors };
}
