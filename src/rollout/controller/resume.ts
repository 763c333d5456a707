import type { RolloutPlan } from "../core/plan";
import type { RolloutState } from "../core/state";

/**
 * What a resume may and may not do with a stored rollout: it never moves the split backwards, and
 * it never continues on a plan other than the one the rollout started with.
 */

/** The plan's weights, recorded at start so a resume can tell the plan changed. */
export function planSteps(plan: RolloutPlan): number[] {
  return plan.steps.map((step) => step.weight);
}

/** Why a resume must refuse (nothing applied): `rollout.steps` changed since the rollout started. */
export function changedPlan(stage: string, stored: RolloutState, plan: RolloutPlan): string | undefined {
  const started = stored.planSteps;
  const now = planSteps(plan);
  if (!started || started.join(",") === now.join(",")) return undefined;
  return `the rollout of ${stage} started with rollout.steps [${started.join(", ")}] and the stage file now says [${now.join(", ")}]; a plan does not change mid-rollout (its step ${stored.core.step.index + 1} would mean another weight). Restore rollout.steps to resume, or \`ion-rollout abort ${stage}\` and start again with the new plan`;
}

/**
 * The step a resume continues from when the platform serves more than the stored step's weight
 * (the runner died after applying a later weight): the highest plan step at or below the served
 * weight, so nothing is applied below what users already get. Undefined when the stored step stands.
 */
export function stepAtServedWeight(
  plan: RolloutPlan,
  state: RolloutState,
  served: number,
): number | undefined {
  const index = state.core.step.index;
  const stored = plan.steps[index]?.weight ?? 0;
  if (served <= stored) return undefined;
  return plan.steps.reduce((found, step, i) => (step.weight <= served ? i : found), index);
}
