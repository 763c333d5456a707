import { type ChangePointRule, changePointCrossings } from "./change-point-crossing";

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
  const crossing = changePointCrossings(rule, requestsPerCheck, horizonChecks, healthyRate);
  return smallestLogBar((logBar) => crossing(logBar, budget) <= budget);
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
 * square of the horizon (before the typed-array DPs: 80 checks of 3 requests 0.9 s, 300 checks
 * 10 s, 600 checks 48 s; those are 2.5-7x faster, still superquadratic), and they run before a
 * level's first check is judged: a plan of 1 s checks and 10-minute
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
