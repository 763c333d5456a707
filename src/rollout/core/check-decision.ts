import type { StageConfig } from "../../config";
import { analyseCheck, type Check } from "./analysis/check";
import { type CoreState, type Decision, decide } from "./decide";
import type { RolloutPlan } from "./plan";

/**
 * One check through the decision path: the analysis at the current step's weight (which selects
 * the evidence rule for that weight's traffic), then the plan's decision. The runner, the
 * backtest and the bench's simulations all judge a check by this one function, so a measured
 * figure is what a live run would decide on the same counts.
 */
export function decideCheck(
  cfg: StageConfig,
  plan: RolloutPlan,
  state: CoreState,
  check: Check,
  /** Epoch milliseconds of `at = 0`, for the record's wall-clock time. */
  startedAtMs = 0,
  /** Who paused the rollout (`ion-rollout pause`), if anyone. */
  pausedBy?: string,
): Decision {
  const weight = plan.steps[state.step.index]?.weight;
  const analysis = analyseCheck(cfg, state.analysis, check, weight);
  return decide(plan, state, check, analysis, startedAtMs, pausedBy);
}
