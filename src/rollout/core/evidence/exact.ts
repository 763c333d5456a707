import { binomialTable } from "./binomial";
import { smallestHolding } from "./bisect";
import { changePointCrossing } from "./change-point-crossing";
import { revertsNow } from "./judge";
import { logMixture } from "./likelihood";
import { oneCheckTripProbability } from "./one-check";
import type { EvidenceRule } from "./rule";
import { type CountEvidenceState, initialCountEvidence, observeCounts } from "./state";

/**
 * Exact operating characteristics of the revert rule by dynamic programming over binomial counts:
 * every reachable evidence state is carried with its probability, check by check, through the
 * engine's own `observeCounts` and `revertsNow`. Nothing is simulated; the only approximation is
 * dropping binomial tails below 1e-17 of the mode, reported as `omitted`.
 */

/** One check of a scenario: how many requests it sees, the canary's true error rate, the rule in force. */
export interface ScheduledCheck {
  requests: number;
  rate: number;
  rule: EvidenceRule;
}

export interface ExactOutcome {
  /** revertAt[t] = P(the first revert happens at check t). */
  revertAt: Float64Array;
  /** P(revert within the schedule). */
  reverted: number;
  /** Expected canary errors served until the revert (including the reverting check) or the end. */
  expectedFailedRequests: number;
  /** Upper bound on probability lost to truncated tails. */
  omitted: number;
}

interface Weighted {
  state: CountEvidenceState;
  probability: number;
}

export function exactRevert(
  schedule: readonly ScheduledCheck[],
  start: CountEvidenceState = initialCountEvidence(),
): ExactOutcome {
  let states = new Map<number, Weighted>([[0, { state: start, probability: 1 }]]);
  const revertAt = new Float64Array(schedule.length);
  const keys = new StateKeys();
  let alive = 1;
  let expectedFailedRequests = 0;
  let omitted = 0;
  schedule.forEach((check, t) => {
    expectedFailedRequests += alive * check.requests * check.rate;
    const table = binomialTable(check.requests, check.rate);
    omitted += alive * table.omitted;
    const next = new Map<number, Weighted>();
    for (const { state, probability } of states.values()) {
      // States this unlikely cannot move any figure we print; dropping them keeps n = 5,000 fast.
      if (probability < PRUNE) {
        omitted += probability;
        continue;
      }
      for (let i = 0; i < table.probabilities.length; i++) {
        const counts = { requests: check.requests, errors: table.from + i };
        const after = observeCounts(state, counts, check.rule);
        const mass = probability * (table.probabilities[i] as number);
        if (revertsNow(after, check.rule, counts)) revertAt[t] = (revertAt[t] as number) + mass;
        else accumulate(next, keys.of(after), after, mass);
      }
    }
    alive -= revertAt[t] as number;
    states = next;
  });
  const reverted = revertAt.reduce((a, b) => a + b, 0);
  return { revertAt, reverted, expectedFailedRequests, omitted };
}

const PRUNE = 1e-18;

/**
 * Numeric keys for DP states. Requests are fixed by the schedule at each check, so a state is
 * (errors, segment errors, segment length); segment lengths get small ids.
 */
class StateKeys {
  private readonly ids = new Map<number, number>();
  of(s: CountEvidenceState): number {
    let id = this.ids.get(s.segmentRequests);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(s.segmentRequests, id);
    }
    if (s.segmentErrors >= 65_536 || id >= 65_536 || s.errors >= 2 ** 21) {
      throw new RangeError("evidence state too large for the exact computation");
    }
    return s.errors * 2 ** 32 + s.segmentErrors * 65_536 + id;
  }
}

function accumulate(into: Map<number, Weighted>, k: number, state: CountEvidenceState, mass: number): void {
  const found = into.get(k);
  if (found) found.probability += mass;
  else into.set(k, { state, probability: mass });
}

/** The smallest t with P(revert by check t) ≥ q (1-based check count), or null if never within the schedule. */
export function checksToRevertQuantile(outcome: ExactOutcome, q: number): number | null {
  let sum = 0;
  for (let t = 0; t < outcome.revertAt.length; t++) {
    sum += outcome.revertAt[t] as number;
    if (sum >= q * outcome.reverted && sum > 0) return t + 1;
  }
  return null;
}

/**
 * For traffic too heavy for the joint DP (1,000+ requests per check): P(revert within `checks`
 * checks of `requests` at `rate`) bounded above by the sum of the three tests' exact crossing
 * probabilities, and below by the largest of them. Each is exact on its own.
 */
export function exactRevertBounds(
  rule: EvidenceRule,
  requests: number,
  checks: number,
  rate: number,
): { lower: number; upper: number; cumulative: number; changePoint: number; oneCheck: number } {
  const cumulative = cumulativeCrossing(rule, requests, checks, rate);
  const changePoint = changePointCrossing(rule, requests, checks, rate, rule.changePointLogBar);
  const oneCheck = 1 - (1 - oneCheckTripProbability(requests, rate, rule)) ** checks;
  return {
    lower: Math.max(cumulative, changePoint, oneCheck),
    upper: Math.min(1, cumulative + changePoint + oneCheck),
    cumulative,
    changePoint,
    oneCheck,
  };
}

/**
 * Exact P(the cumulative mixture alone reaches its bar): DP over the cumulative error count. With
 * `stopAbove` it stops once the figure is past it (it only grows): a partial figure, past it too.
 */
export function cumulativeCrossing(
  rule: EvidenceRule,
  requests: number,
  checks: number,
  rate: number,
  stopAbove = Number.POSITIVE_INFINITY,
): number {
  const { probabilities, from, omitted } = binomialTable(requests, rate);
  let alive = new Float64Array(1).fill(1);
  let crossed = 0;
  for (let t = 1; t <= checks && crossed <= stopAbove; t++) {
    crossed += omitted;
    // More errors only raise the e-value: it crosses at and above one count per check.
    const bar = fewestErrorsCrossing(rule, t * requests);
    const next = new Float64Array(Math.min(bar, alive.length + from + probabilities.length));
    for (let errors = 0; errors < alive.length; errors++) {
      const p = alive[errors] as number;
      if (p === 0) continue;
      for (let i = 0; i < probabilities.length; i++) {
        const q = probabilities[i] as number;
        const after = errors + from + i;
        if (after >= bar) crossed += p * q;
        else next[after] = (next[after] as number) + p * q;
      }
    }
    alive = next;
  }
  return crossed;
}

function fewestErrorsCrossing(rule: EvidenceRule, requests: number): number {
  const crosses = (e: number) =>
    logMixture(e, requests, rule.alternatives, rule.nullRate) >= rule.cumulativeLogBar;
  if (!crosses(requests)) return requests + 1;
  return smallestHolding(0, requests, crosses);
}
