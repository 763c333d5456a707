import type { StageConfig } from "../../../config";

/**
 * The most a check's counts can plausibly be: what the service could serve in one check interval.
 * A metrics source answering more (10^15 requests a minute, a counter gone wild) is broken, not a
 * busy healthy canary, so those counts are no data; the same bound keeps every count the evidence
 * engine sees small enough for exact arithmetic. Pure.
 */

/** With `expectedRequestsPerSecond` declared, the ceiling is this many times the expected traffic. */
export const PLAUSIBLE_TRAFFIC_FACTOR = 100;
/** Without either key, no service this runner drives serves more than this per second. */
export const DEFAULT_MAX_REQUESTS_PER_SECOND = 1_000_000;

/** The configured `rollout.maxRequestsPerSecond`, or its derived default. */
export function maxRequestsPerSecond(rollout: StageConfig["rollout"]): number {
  if (rollout.maxRequestsPerSecond !== undefined) return rollout.maxRequestsPerSecond;
  const expected = rollout.expectedRequestsPerSecond;
  return expected !== undefined ? expected * PLAUSIBLE_TRAFFIC_FACTOR : DEFAULT_MAX_REQUESTS_PER_SECOND;
}

/** The most requests (and so errors, slow requests) one check may count. */
export function maxCountPerCheck(rollout: StageConfig["rollout"]): number {
  return Math.floor(maxRequestsPerSecond(rollout) * rollout.checkIntervalSeconds);
}

/** Whether `value` is a count one check can hold: a whole number in [0, ceiling]. */
export function isPlausibleCount(value: number, ceiling: number): boolean {
  return Number.isSafeInteger(value) && value >= 0 && value <= ceiling;
}

/** What a refused count had to be, naming the key that sets the ceiling. */
export function describeCountDomain(ceiling: number): string {
  if (!Number.isFinite(ceiling)) return "a non-negative integer count";
  return `a non-negative integer count at most ${ceiling} (rollout.maxRequestsPerSecond × checkIntervalSeconds; raise rollout.maxRequestsPerSecond if the service truly serves more)`;
}

/** Why a count is refused (`label` names it: "canary requests"), or undefined when it is plausible. */
export function refusedCount(label: string, value: number, ceiling: number): string | undefined {
  if (isPlausibleCount(value, ceiling)) return undefined;
  return `${label} ${String(value)} refused: must be ${describeCountDomain(ceiling)}; treated as no data`;
}
