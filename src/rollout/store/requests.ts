/**
 * Operator requests to a running runner: `abort`, `promote`, `pause` and `resume` from another
 * shell or machine leave a request in the stage's store (rollout-records.ts) that the runner picks
 * up at its next safe point (within a second), so an emergency revert never waits for the lease. A
 * request names the rollout it is for: one left over from an ended rollout (or written for
 * another) is discarded, never acted on by the next.
 */

export const OPERATOR_ACTIONS = ["abort", "promote", "pause", "resume"] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

export interface OperatorRequest {
  action: OperatorAction;
  /** promote: straight to 100% (`--full`) instead of one step. */
  full?: boolean;
  /** Epoch ms. */
  at: number;
  by: string;
  /** The `id` of the rollout the operator saw running. */
  rolloutId: string;
}

/** What the runner found: a request for its rollout, or why a request was thrown away. */
export type TakenRequest = { request: OperatorRequest } | { discarded: string };
