import type { WeightedRate } from "./likelihood";

/**
 * The numbers one sequential count test runs on, derived from stage config by `params.ts`.
 * Bars are natural logarithms (a bar of ln 2,500 means "revert at E ≥ 2,500") so the rule is plain
 * finite JSON like the state.
 */
export interface EvidenceRule {
  /** p₀: the revert tests' null rate, at or above the GO level (Ville covers every rate ≤ p₀). */
  nullRate: number;
  /** Mixture alternatives above the roll-back limit for the cumulative e-value. */
  alternatives: WeightedRate[];
  /** Revert when ln E(S, N) ≥ this (ln 1/α_cumulative; Ville's inequality). */
  cumulativeLogBar: number;
  /** The change-point (CUSUM) alternative when `changePointAlternatives` is absent. */
  changePointRate: number;
  /**
   * The change-point test's alternatives (a mixture over the run since its last restart); when
   * present they replace `changePointRate`. The derived rules use the cumulative test's alternatives.
   */
  changePointAlternatives?: WeightedRate[];
  /**
   * Revert when the CUSUM's ln C ≥ this: at least ln(horizon / its share of α), whatever the
   * traffic (Doob's inequality on the Shiryaev–Roberts sum, `params.ts`), raised where the step's
   * traffic would otherwise revert OBSERVE-band canaries.
   */
  changePointLogBar: number;
  /** The one-check trigger (`one-check.ts`). */
  oneCheck: OneCheckRule;
  /** The GO gate: a mirrored e-process with the roll-back limit as its null. */
  go: GoGateRule;
  /** Evidence the canary is above the GO level: a step holds (OBSERVE) while it stands. */
  aboveGo: AboveGoRule;
}

/**
 * The likelihood ratio of `rate` (in the OBSERVE band) against `goAtMost` on the cumulative counts.
 * For a canary at or under `goAtMost` it is a non-negative supermartingale, so it ever reaches
 * e^logBar with probability ≤ e^−logBar (Ville): healthy canaries are rarely held, never reverted.
 */
export interface AboveGoRule {
  goAtMost: number;
  rate: number;
  /** Hold while ln LR ≥ this (ln 1/holdAboveGoAtMost). */
  logBar: number;
}

export interface GoGateRule {
  /** The roll-back limit: the rate the gate must rule out before a step advances. */
  limit: number;
  /** Rates at or under the GO level that the gate's e-value bets on. */
  alternatives: WeightedRate[];
  /** Evidence within the limit when ln E_go ≥ this (ln 1/β; β = chance a canary at the limit advances). */
  logBar: number;
}

/**
 * A single check reverts when it holds so many errors that a canary at the null rate would show
 * that many with probability at most `nullAtMost`, and one in the OBSERVE band (`holdRate`) with
 * probability at most `holdAtMost`.
 */
export interface OneCheckRule {
  nullAtMost: number;
  holdRate: number;
  holdAtMost: number;
}
