import type { EvidenceSettings } from "../../../config";
import { deriveEvidenceRule, type SignalLimits, slowShareLimits } from "../evidence/params";
import type { RelativeRule } from "../evidence/relative";
import type { EvidenceRule } from "../evidence/rule";

/**
 * The rules the sequential analysis judges by, derived from config and the step's traffic. The
 * change-point bar is calibrated exactly for a traffic level (up to ~0.5 s of dynamic programming
 * over the prod plan's 80 checks: test/rollout/core/evidence/derived-rules-pinned.test.ts's levels),
 * so rules are derived lazily and cached per (limits, settings, requests per check): a rollout
 * calibrates once per step, a backtest once per traffic level. A memo of a pure function keeps
 * the core pure.
 */
const cache = new Map<string, EvidenceRule>();
const CACHE_LIMIT = 256;

export function evidenceRule(
  limits: SignalLimits,
  settings: EvidenceSettings,
  requestsPerCheck: number,
): EvidenceRule {
  const level = Math.max(1, Math.round(requestsPerCheck));
  const key = JSON.stringify([limits.rollbackAbove, limits.goAtMost, settings, level]);
  const found = cache.get(key);
  if (found) return found;
  const rule = deriveEvidenceRule(limits, settings, level);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, rule);
  return rule;
}

/**
 * The traffic level a check is judged at: the step's expected canary requests per check when the
 * stage declares its traffic, else the requests this check saw rounded up to a power of two (so
 * a few levels cover any traffic and each is calibrated once).
 */
export function trafficLevel(expectedPerCheck: number | undefined, observed: number): number {
  if (expectedPerCheck !== undefined && expectedPerCheck > 0)
    return Math.max(1, Math.round(expectedPerCheck));
  return 2 ** Math.ceil(Math.log2(Math.max(1, observed)));
}

/** The slow-request share's limits behind every P95 limit (params.ts says why: 5%, GO at 2.5%). */
export const SLOW_SHARE_LIMITS: SignalLimits = slowShareLimits();

/**
 * compareToStable as a sequential test (relative.ts): null "canary ≤ worseByFactor × stable",
 * alternatives 2× and 5× the factor (½ each), bar ln 1/(1 − confidence) by Ville's inequality.
 */
export function relativeRule(compare: { worseByFactor: number; confidence: number }): RelativeRule {
  const { worseByFactor: factor, confidence } = compare;
  return {
    factor,
    ratios: [
      { rate: 2 * factor, weight: 0.5 },
      { rate: 5 * factor, weight: 0.5 },
    ],
    logBar: Math.log(1 / (1 - confidence)),
  };
}
