import type { Release } from "../../config";
import type { CoreState } from "./decide";
import type { DecisionRecord } from "./record";

/** A rollout's durable state: the data model; `store/state.ts` persists it. */

export type RolloutStatus =
  /** A runner is (or was, until it crashed) driving the rollout. */
  | "running"
  /** Stopped at a weight: a step timed out, or the runner was interrupted with --on-interrupt hold. */
  | "held"
  | "reverted"
  | "promoted"
  /** The revert itself failed: the platform's split is unknown; look at it now. */
  | "failed";

/**
 * Before the canary takes any traffic: it is being deployed at 0% and waited on until the platform
 * reports it ready (`deploying`), then the pre-traffic gate asks it (`verifying`).
 */
export type PreTrafficPhase = "deploying" | "verifying";

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
  /** The weight last applied successfully (a revert goes back to the plan's `revertWeight`). */
  weight: number;
  /** Step progress (bake clock, evidence), analysis counters and journal sequence. */
  core: CoreState;
  /** Set while the canary has no traffic yet and the runner deploys or verifies it; cleared by step 1. */
  phase?: PreTrafficPhase;
  /**
   * Why a held rollout stopped: its step timed out, the runner was interrupted with
   * --on-interrupt hold, or the served split had been changed outside the runner (drift).
   */
  heldBy?: "timeout" | "interrupt" | "drift";
  /**
   * An operator paused it (`ion-rollout pause`, who): the runner keeps judging every check and
   * still reverts on a breach, but does not advance or promote until `resume` or `promote`.
   */
  pausedBy?: string;
  /** Why the rollout is in its status (a revert, a hold, a promotion). */
  reason?: string;
  /** Journal `seq` of the decision that caused the status, if one did. */
  causedBy?: number;
  /** After a promotion: when the old side may be retired (epoch ms). */
  retireOldAfter?: number;
  /** When `ion-rollout retire` took the old side out of the stack (epoch ms). */
  retiredAt?: number;
  lastDecision?: DecisionRecord;
  /**
   * False from a start until a weight above the revert weight is first asked of the platform, true
   * from just before that apply (one that fails may have half landed). A revert while it is false
   * refused a release no user was ever sent to. Absent in states written before it was kept.
   */
  canaryServed?: boolean;
  /** The plan's step weights when the rollout started (`rollout.steps`): a resume refuses another plan. */
  planSteps?: number[];
}

/** True while a rollout of this stage can be continued with `resume`. */
export function isActive(state: RolloutState | undefined): boolean {
  return state?.status === "running" || state?.status === "held";
}
