import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Release } from "../../config";
import type { CoreState } from "../core/decide";
import type { DecisionRecord } from "../core/record";

/**
 * Durable rollout state: one JSON file per stage in the state directory, replaced atomically
 * (write a temp file, fsync, rename) so a crash leaves either the old or the new state, never half.
 * It holds what `resume` needs to continue where the runner stopped, including the current step's
 * bake clock (its start time) and the canary requests it has seen.
 */

export type RolloutStatus =
  /** A runner is (or was, until it crashed) driving the rollout. */
  | "running"
  /** Stopped at a weight: a step timed out, or the runner was interrupted with --on-interrupt hold. */
  | "held"
  | "reverted"
  | "promoted"
  /** The revert itself failed: the platform's split is unknown; look at it now. */
  | "failed";

export interface RolloutState {
  version: 1;
  stage: string;
  /** Identifies this rollout (its journal and report); ISO start time with the canary's name. */
  id: string;
  releases: { stable: Release; canary: Release };
  status: RolloutStatus;
  /** Epoch ms of `at = 0`. */
  startedAt: number;
  updatedAt: number;
  /** The weight last applied successfully, and the weight a revert goes back to. */
  weight: number;
  lastSafeWeight: number;
  /** Step progress (bake clock, evidence), analysis counters and journal sequence. */
  core: CoreState;
  /** Why a held rollout stopped: its step timed out, or the runner was interrupted with --on-interrupt hold. */
  heldBy?: "timeout" | "interrupt";
  /** Why the rollout is in its status (a revert, a hold, a promotion). */
  reason?: string;
  /** Journal `seq` of the decision that caused the status, if one did. */
  causedBy?: number;
  /** After a promotion: when the old side may be retired (epoch ms). */
  retireOldAfter?: number;
  /** When `ion-rollout retire` took the old side out of the stack (epoch ms). */
  retiredAt?: number;
  lastDecision?: DecisionRecord;
}

export function statePath(dir: string, stage: string): string {
  return join(dir, `${stage}.json`);
}

export function readState(dir: string, stage: string): RolloutState | undefined {
  let text: string;
  try {
    text = readFileSync(statePath(dir, stage), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const state = JSON.parse(text) as RolloutState;
  if (state.version !== 1)
    throw new Error(`unsupported rollout state version ${state.version} in ${statePath(dir, stage)}`);
  return state;
}

/** Writes the state atomically: temp file in the same directory, fsync, rename over the old one. */
export function writeState(dir: string, state: RolloutState): void {
  mkdirSync(dir, { recursive: true });
  const target = statePath(dir, state.stage);
  const temp = `${target}.${process.pid}.tmp`;
  const fd = openSync(temp, "w", 0o644);
  try {
    writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, target);
}

/** True while a rollout of this stage can be continued with `resume`. */
export function isActive(state: RolloutState | undefined): boolean {
  return state?.status === "running" || state?.status === "held";
}
