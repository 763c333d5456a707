import type { StageConfig } from "../src/config";
import { checkRandom } from "./draws";
import { runnerPathRule } from "./runner-path";
import { binomialDraw } from "./simulate";
import { wilson95 } from "./stats";
import { steadyStage } from "./steady-stage";

/**
 * The late hard fault: a canary clean at the GO level for 40 checks of 1,000 requests,
 * then a check of 50 requests at 20% errors (traffic fell and the release broke). Measured through
 * the runner's decision path, with 1,000 per check declared (the rule stays the one calibrated for
 * 1,000) and undeclared (each check judged at its own traffic level): the share of runs reverted
 * at that first faulty check, and the errors (of 50) that check needs to revert from the state
 * the clean checks left (median over the first runs).
 */
export const LATE_FAULT = { cleanChecks: 40, cleanRequests: 1000, faultRequests: 50, faultRate: 0.2 };

export interface LateFaultResult {
  declared: boolean;
  runs: number;
  /** Reverted at the first faulty check. */
  caught: number;
  estimate: number;
  low: number;
  high: number;
  /** Reverted during the clean checks (not counted as caught). */
  revertedWhileClean: number;
  /** Median over runs of the fewest errors of the faulty check that revert. */
  errorsNeeded: number | null;
}

const PROBED_RUNS = 200;

export function lateFault(cfg: StageConfig, options: { declared: boolean; runs: number; seed: number }) {
  const { cleanChecks, cleanRequests, faultRequests, faultRate } = LATE_FAULT;
  const stage = steadyStage(cfg, {
    requestsPerCheck: cleanRequests,
    declared: options.declared,
    checks: cleanChecks + 1,
  });
  const rule = runnerPathRule("current", stage);
  const interval = cfg.rollout.checkIntervalSeconds;
  const cleanRate = cfg.thresholds.errorRate.goAtMost;
  let caught = 0;
  let early = 0;
  const needed: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const r = rule.start();
    let reverted = false;
    for (let check = 1; check <= cleanChecks && !reverted; check++) {
      const errors = binomialDraw(cleanRequests, cleanRate, checkRandom(options.seed, run, check));
      reverted = r.feed(check * interval, { requests: cleanRequests, errors }) === "revert";
    }
    if (reverted) {
      early++;
      continue;
    }
    const at = (cleanChecks + 1) * interval;
    if (run < PROBED_RUNS)
      needed.push(
        fewestRevertingErrors((e) => r.peek(at, { requests: faultRequests, errors: e }) === "revert"),
      );
    const errors = binomialDraw(faultRequests, faultRate, checkRandom(options.seed, run, cleanChecks + 1));
    if (r.feed(at, { requests: faultRequests, errors }) === "revert") caught++;
  }
  const [low, high] = wilson95(caught, options.runs);
  needed.sort((a, b) => a - b);
  const median = needed.length > 0 ? (needed[Math.floor(needed.length / 2)] as number) : null;
  return {
    declared: options.declared,
    runs: options.runs,
    caught,
    estimate: caught / options.runs,
    low,
    high,
    revertedWhileClean: early,
    errorsNeeded: median !== null && median > faultRequests ? null : median,
  } satisfies LateFaultResult;
}

/** The fewest errors of the faulty check that revert (faultRequests + 1 when none does). */
function fewestRevertingErrors(reverts: (errors: number) => boolean): number {
  let lo = 0;
  let hi = LATE_FAULT.faultRequests + 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (mid <= LATE_FAULT.faultRequests && reverts(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
