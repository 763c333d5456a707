import type { StageConfig } from "../src/config";
import { buildPlan, type RolloutPlan } from "../src/rollout/core/plan";
import type { CheckCounts, RolloutRule, RuleRun, StepAction } from "./runner-path";

/**
 * A Flagger-style rule for comparison, on the stage's own plan: a check breaches when its own
 * error rate is above `rollbackAbove` (Flagger's metric check against its threshold); the
 * rollout reverts after `FLAGGER_FAILED_CHECKS` breaching checks in all (Flagger's `threshold`:
 * "max number of failed metric checks before rollback", https://docs.flagger.app/tutorials/skipper-progressive-delivery);
 * a step advances once a whole bake has passed with no breach (a breach restarts the bake), and
 * times out at `maxStepSeconds` like the runner's. A check with no requests does not breach.
 */
export const FLAGGER_FAILED_CHECKS = 5;

class FlaggerRun implements RuleRun {
  private index = 0;
  private cleanSince = 0;
  private stepStart = 0;
  private failed = 0;

  constructor(
    private readonly limit: number,
    private readonly plan: RolloutPlan,
  ) {}

  get weight(): number {
    return this.plan.steps[this.index]?.weight ?? 100;
  }

  peek(at: number, counts: CheckCounts): StepAction {
    const saved = { ...this };
    const action = this.feed(at, counts);
    Object.assign(this, saved);
    return action;
  }

  feed(at: number, counts: CheckCounts): StepAction {
    const step = this.plan.steps[this.index];
    if (!step) throw new RangeError(`step ${this.index} is outside the plan`);
    if (counts.requests > 0 && counts.errors / counts.requests > this.limit) {
      this.failed++;
      this.cleanSince = at;
      if (this.failed >= FLAGGER_FAILED_CHECKS) return "revert";
    } else if (at - this.cleanSince >= step.bakeSeconds) {
      if (this.index === this.plan.steps.length - 1) return "promote";
      this.index++;
      this.stepStart = at;
      this.cleanSince = at;
      return "advance";
    }
    if (step.maxSeconds !== undefined && at - this.stepStart >= step.maxSeconds) return "stall";
    return "hold";
  }
}

export function flaggerRule(cfg: StageConfig): RolloutRule {
  const plan = buildPlan(cfg);
  const limit = cfg.thresholds.errorRate.rollbackAbove ?? Number.POSITIVE_INFINITY;
  return { name: "flagger", start: () => new FlaggerRun(limit, plan) };
}
