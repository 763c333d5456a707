import { binomialTable } from "./binomial";
import type { EvidenceRule } from "./rule";
import { changePointLog } from "./state";

type ChangePointRule = Pick<EvidenceRule, "nullRate" | "changePointRate" | "changePointAlternatives">;

/**
 * The change-point bar for a traffic level, computed exactly.
 *
 * CUSUM has no Ville bound: restarting discards the supermartingale. Its guarantee is the
 * probability of a false revert over the rollout's longest horizon, which depends on how many
 * requests each check brings (few requests → few, coarse values of the statistic → a lower bar is
 * as safe). So the bar is the smallest one whose *exact* crossing probability over `horizonChecks`
 * checks of `requestsPerCheck` requests at `healthyRate` is at most `budget` (the GO level: the
 * promise is about healthy canaries, and the crossing probability only grows with the true rate).
 */
export function calibrateChangePointLogBar(
  rule: ChangePointRule,
  requestsPerCheck: number,
  horizonChecks: number,
  budget: number,
  healthyRate: number = rule.nullRate,
): number {
  if (!exactlyCalibratedOver(requestsPerCheck, horizonChecks)) return unionLogBar(horizonChecks, budget);
  return smallestLogBar(
    (logBar) => changePointCrossing(rule, requestsPerCheck, horizonChecks, healthyRate, logBar) <= budget,
  );
}

/**
 * The most requests per check the exact computation is run for. Its cost grows with the binomial's
 * spread (√n): 2^40 would take minutes and 10^300 would never end. Above it a
 * fault of any size brings overwhelming evidence in one check, so the closed-form bar below (a
 * few units of ln higher than the exact one) costs nothing that matters.
 */
export const EXACT_CALIBRATION_MAX_REQUESTS = 2 ** 20;

/** Whether `requestsPerCheck` is a traffic level the exact computation covers in bounded time. */
export function exactlyCalibrated(requestsPerCheck: number): boolean {
  return Number.isSafeInteger(requestsPerCheck) && requestsPerCheck <= EXACT_CALIBRATION_MAX_REQUESTS;
}

/**
 * The longest horizon the exact crossing DPs are run over. Their cost grows faster than the
 * square of the horizon (measured: 80 checks of 3 requests 0.9 s, 300 checks 10 s, 600 checks
 * 48 s), and they run before a level's first check is judged: a plan of 1 s checks and 10-minute
 * bakes (1,800 checks) would leave the canary unjudged for hours. Past it the closed-form floors
 * stand: they carry every false-revert guarantee; only the OBSERVE-band hold's raise is lost.
 */
export const EXACT_CALIBRATION_MAX_HORIZON = 120;

/** Whether the exact DPs over `horizonChecks` checks of `requestsPerCheck` run in bounded time. */
export function exactlyCalibratedOver(requestsPerCheck: number, horizonChecks: number): boolean {
  return exactlyCalibrated(requestsPerCheck) && horizonChecks <= EXACT_CALIBRATION_MAX_HORIZON;
}

/**
 * A change-point bar that holds for any traffic: the CUSUM's run since its last restart is a
 * mixture likelihood ratio, a non-negative supermartingale from 1 at every rate ≤ the null rate,
 * so by Ville's inequality each of the horizon's restart points crosses e^bar with probability at
 * most e^-bar; over `horizonChecks` of them, at most `budget` when bar = ln(horizon / budget).
 */
export function unionLogBar(horizonChecks: number, budget: number): number {
  return Math.log(horizonChecks / budget);
}

/**
 * The smallest ln bar (to 0.01) that `acceptable` accepts, by doubling then bisection. `acceptable`
 * must be monotone: a higher bar never crosses more often.
 */
export function smallestLogBar(acceptable: (logBar: number) => boolean): number {
  if (acceptable(0)) return 0;
  let low = 0;
  let high = 8;
  while (!acceptable(high)) {
    low = high;
    high *= 2;
    if (high > 4096) throw new RangeError("no change-point bar meets the budget");
  }
  while (high - low > 0.01) {
    const mid = (low + high) / 2;
    if (acceptable(mid)) high = mid;
    else low = mid;
  }
  return high;
}

/** Exact P(the CUSUM alone reaches `logBar` within `checks` checks of `requests` at error rate `rate`). */
export function changePointCrossing(
  rule: ChangePointRule,
  requests: number,
  checks: number,
  rate: number,
  logBar: number,
): number {
  const full = { ...rule, cumulativeLogBar: 0, changePointLogBar: logBar } as EvidenceRule;
  const table = binomialTable(requests, rate);
  const width = table.probabilities.length;
  // A run is (errors, checks) since the last restart: every check brings `requests` requests.
  const runLog = memoised((errors: number, length: number) =>
    changePointLog(
      { requests: length * requests, errors, segmentRequests: length * requests, segmentErrors: errors },
      full,
    ),
  );
  let states = new Map<number, number>([[0, 1]]);
  // Truncated tails and pruned paths count as crossings, so the figure is an upper bound, never less.
  let crossed = 0;
  for (let t = 0; t < checks; t++) {
    crossed += table.omitted;
    const next = new Map<number, number>();
    for (const [key, probability] of states) {
      const errors = Math.floor(key / RUN_KEY);
      const length = key - errors * RUN_KEY;
      for (let i = 0; i < width; i++) {
        const mass = probability * (table.probabilities[i] as number);
        const after = errors + table.from + i;
        const log = runLog(after, length + 1);
        if (log >= logBar) crossed += mass;
        else if (mass <= PRUNE) crossed += mass;
        else {
          const k = log > 0 ? after * RUN_KEY + length + 1 : 0;
          next.set(k, (next.get(k) ?? 0) + mass);
        }
      }
    }
    states = next;
  }
  return crossed;
}

const RUN_KEY = 1 << 16;
/** Paths this unlikely cannot move a budget of 1e-6 or more; dropping them keeps 5,000 req/check fast. */
const PRUNE = 1e-20;

function memoised(f: (errors: number, length: number) => number) {
  const cache = new Map<number, number>();
  return (errors: number, length: number) => {
    const k = errors * RUN_KEY + length;
    let v = cache.get(k);
    if (v === undefined) {
      v = f(errors, length);
      cache.set(k, v);
    }
    return v;
  };
}
