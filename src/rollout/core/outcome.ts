/**
 * How a rollout (or a command acting on one, or a backtest) ended: the one outcome vocabulary,
 * and the one map from outcome to the exit code CI branches on.
 */
export type Outcome =
  /** The canary serves 100%. */
  | "promoted"
  /** Back at the revert weight (0%), by a breach, an operator, an interrupt or a failed apply. */
  | "reverted"
  /** Stopped at a weight: a step timed out, or an interrupt with --on-interrupt hold. */
  | "held"
  /** A backtest's trace ended before promotion or revert. */
  | "incomplete"
  /** The revert itself failed: the platform's split is unknown. */
  | "failed";

/** Exit codes CI can branch on. */
export const EXIT = { ok: 0, promoted: 0, error: 1, reverted: 2, held: 3 } as const;

const EXIT_BY_OUTCOME: Record<Outcome, number> = {
  promoted: EXIT.promoted,
  reverted: EXIT.reverted,
  held: EXIT.held,
  incomplete: EXIT.held,
  failed: EXIT.error,
};

export function exitCodeFor(outcome: Outcome): number {
  return EXIT_BY_OUTCOME[outcome];
}
