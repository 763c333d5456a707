import type { StageConfig } from "../src/config";
import { initialAnalysisState } from "../src/rollout/core/analysis/check";
import { decideCheck } from "../src/rollout/core/check-decision";
import { type CoreState, firstStep } from "../src/rollout/core/decide";
import { buildPlan, type RolloutPlan } from "../src/rollout/core/plan";
import type { SideSample } from "../src/rollout/core/sample/sample";

/**
 * A rollout judged check by check through the runner's own decision path (`decideCheck`: the
 * analysis at the step's weight, which selects the evidence rule, then the plan's decision), the
 * way `runner.ts` drives it: a check every interval from the step's start, an advance starts the
 * next step at that check, a timed-out step ends the run. Only the error counts vary; latency,
 * memory and CPU sit at half their GO levels, so the error-rate rule alone decides.
 */

export interface CheckCounts {
  requests: number;
  errors: number;
}

/** What a check did to the run: the runner's actions, and "stall" for a step that timed out. */
export type StepAction = "hold" | "advance" | "promote" | "revert" | "stall";

/** One run of a rule: the weight it serves now, and what it does with the next check's counts. */
export interface RuleRun {
  readonly weight: number;
  feed(at: number, counts: CheckCounts): StepAction;
  /** What `feed` would do, without taking the check. */
  peek(at: number, counts: CheckCounts): StepAction;
}

export interface RolloutRule {
  name: string;
  start(): RuleRun;
}

/** A side whose non-error signals are healthy: half of each GO level. */
function quietSide(cfg: StageConfig, counts: CheckCounts): SideSample {
  const t = cfg.thresholds;
  return {
    requests: counts.requests,
    errors: counts.errors,
    p95LatencyMs: t.p95LatencyMs.goAtMost / 2,
    memory: t.memory.goAtMost / 2,
    cpu: t.cpu ? t.cpu.goAtMost / 2 : 0,
    sampleAgeSeconds: 0,
  };
}

/** The metrics a check carries: the canary's counts, stable's at the GO level (compareToStable sees a healthy stable). */
export function simulatedSides(cfg: StageConfig, counts: CheckCounts, weight: number) {
  const stableRequests = weight >= 100 ? 0 : Math.round((counts.requests * (100 - weight)) / weight);
  const stableErrors = Math.round(stableRequests * cfg.thresholds.errorRate.goAtMost);
  return {
    canary: quietSide(cfg, counts),
    stable: quietSide(cfg, { requests: stableRequests, errors: stableErrors }),
  };
}

class RunnerPathRun implements RuleRun {
  private state: CoreState = { step: firstStep(0), analysis: initialAnalysisState(), seq: 0 };

  constructor(
    private readonly cfg: StageConfig,
    private readonly plan: RolloutPlan,
  ) {}

  get weight(): number {
    return this.plan.steps[this.state.step.index]?.weight ?? 100;
  }

  feed(at: number, counts: CheckCounts): StepAction {
    const decision = this.decision(at, counts);
    this.state = decision.state;
    return decision.timedOut ? "stall" : decision.action;
  }

  peek(at: number, counts: CheckCounts): StepAction {
    const decision = this.decision(at, counts);
    return decision.timedOut ? "stall" : decision.action;
  }

  private decision(at: number, counts: CheckCounts) {
    const check = { at, ...simulatedSides(this.cfg, counts, this.weight) };
    return decideCheck(this.cfg, this.plan, this.state, check);
  }
}

/** The runner's decision path on a stage config (any rule: `withRule` gives the runbook's). */
export function runnerPathRule(name: string, cfg: StageConfig): RolloutRule {
  const plan = buildPlan(cfg);
  return { name, start: () => new RunnerPathRun(cfg, plan) };
}
