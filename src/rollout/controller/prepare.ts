import type { Release, StageConfig } from "../../config";
import { initialAnalysisState } from "../core/analysis/check";
import { firstStep } from "../core/decide";
import type { RolloutPlan } from "../core/plan";
import { isActive, type RolloutState } from "../core/state";
import type { RolloutRecords } from "../store/rollout-records";
import { changedPlan, planSteps } from "./resume";

/** The rollout could not start or resume; nothing was applied. */
export class RolloutRefused extends Error {
  override name = "RolloutRefused";
}

export interface PrepareOptions {
  cfg: StageConfig;
  /** The local rollout directory: reports; and the records when the stage's store is this directory. */
  stateDir: string;
  mode: "start" | "resume";
  /** Releases of a new rollout (start); default the config's. */
  releases?: { stable: Release; canary: Release };
}

/** The state a run starts from, and whether a state was stored: nothing is written here. */
export interface PreparedRollout {
  state: RolloutState;
  stored: boolean;
}

/**
 * The state a run starts from: a fresh rollout, or the stored one to resume. `served` is the
 * canary weight the platform serves (resume only): with no stored state at all (a new CI job
 * after the old one died), a serving canary is resumed from it.
 */
export async function prepareState(
  options: PrepareOptions & { records: RolloutRecords },
  plan: RolloutPlan,
  now: number,
  served?: number,
): Promise<PreparedRollout> {
  const { cfg, mode } = options;
  const existing = await options.records.readState();
  const stored = existing !== undefined;
  if (mode === "start") {
    refuseStartOver(cfg.stage, existing);
    const state = {
      ...freshState(cfg.stage, options.releases ?? cfg.releases, now, 0),
      planSteps: planSteps(plan),
    };
    return { state, stored };
  }
  return { state: resumedState(options, plan, now, existing, served), stored };
}

/** A start never replaces a rollout that is still running or held. */
function refuseStartOver(stage: string, existing: RolloutState | undefined): void {
  if (!isActive(existing)) return;
  throw new RolloutRefused(
    `a rollout of ${stage} is already ${existing?.status} (${existing?.releases.canary.name} at ${existing?.weight}%); \`ion-rollout resume ${stage}\` continues it, \`ion-rollout abort ${stage}\` reverts it`,
  );
}

function resumedState(
  options: PrepareOptions & { records: RolloutRecords },
  plan: RolloutPlan,
  now: number,
  existing: RolloutState | undefined,
  served?: number,
): RolloutState {
  const { cfg } = options;
  if (!existing) return reconciledFromPlatform(options, plan, now, served);
  if (!isActive(existing)) {
    throw new RolloutRefused(
      `the rollout of ${cfg.stage} has ended (${existing.status}: ${existing.reason ?? ""}); nothing to resume`,
    );
  }
  const changed = changedPlan(cfg.stage, existing, plan);
  if (changed) throw new RolloutRefused(changed);
  if (existing.core.step.index >= plan.steps.length) {
    throw new RolloutRefused(
      `the stored rollout is at step ${existing.core.step.index + 1} but the plan has ${plan.steps.length} steps`,
    );
  }
  let core = existing.core;
  if (existing.status === "held" && existing.heldBy === "timeout") {
    // A timed-out step gets a fresh timeout window; a bake it had completed stays completed.
    const step = plan.steps[core.step.index];
    const nowAt = (now - existing.startedAt) / 1000;
    const elapsed = nowAt - core.step.startedAt;
    core = { ...core, step: { ...core.step, startedAt: nowAt - Math.min(elapsed, step?.bakeSeconds ?? 0) } };
  }
  // A crashed or interrupted step keeps its start: its bake ends at the planned time.
  // `resume` means continue: a pause ends with it.
  return {
    ...existing,
    status: "running",
    core,
    reason: undefined,
    causedBy: undefined,
    heldBy: undefined,
    pausedBy: undefined,
  };
}

/**
 * No state on this machine: the deployed weight and the stack's releases are the truth. The
 * rollout resumes at the last plan step at or below the served weight, with its evidence (bake,
 * requests, analysis) restarted from zero: conservative, nothing seen before counts.
 */
function reconciledFromPlatform(
  options: PrepareOptions & { records: RolloutRecords },
  plan: RolloutPlan,
  now: number,
  served?: number,
) {
  const { cfg } = options;
  const dir = options.records.description;
  if (served === undefined || served <= 0 || served >= 100) {
    const what = served === undefined ? "its weight cannot be read" : `it serves the canary at ${served}%`;
    throw new RolloutRefused(
      `no rollout of ${cfg.stage} to resume (no state in ${dir}, and ${what}); start one with \`ion-rollout start\``,
    );
  }
  const index = plan.steps.reduce((found, step, i) => (step.weight <= served ? i : found), 0);
  const state = freshState(cfg.stage, options.releases ?? cfg.releases, now, served);
  return {
    ...state,
    planSteps: planSteps(plan),
    core: { ...state.core, step: { ...state.core.step, index } },
  };
}

/** A new rollout's state at `weight` (0 for a start; an operator acting with no state records the config's). */
export function freshState(
  stage: string,
  releases: RolloutState["releases"],
  now: number,
  weight: number,
): RolloutState {
  return {
    version: 1,
    stage,
    id: `${new Date(now).toISOString()}-${releases.canary.name}`,
    releases,
    status: "running",
    startedAt: now,
    updatedAt: now,
    weight,
    canaryServed: weight > 0,
    core: { step: firstStep(0), analysis: initialAnalysisState(), seq: 0 },
  };
}
