import type { StageConfig } from "../../../config";
import { type Check, initialAnalysisState, type Verdict } from "../analysis/check";
import { decideCheck } from "../check-decision";
import { type CoreState, firstStep } from "../decide";
import type { Outcome } from "../outcome";
import { buildPlan } from "../plan";
import type { ActionKind, DecisionRecord } from "../record";
import { refuseOutOfDomain } from "../sample/domain";
import { maxCountPerCheck } from "../sample/plausible-counts";

/** One replayed check: its decision record, with when, the verdict, the action and the reasons required. */
export type BacktestDecision = DecisionRecord & {
  at: number;
  verdict: Verdict;
  action: ActionKind;
  reasons: string[];
};

export interface BacktestResult {
  outcome: Extract<Outcome, "promoted" | "reverted" | "incomplete">;
  /** `at` of the check that reverted, or null. */
  revertedAt: number | null;
  decisions: BacktestDecision[];
}

/**
 * Replays recorded checks through the real analysis and decision: what the runner would have
 * done. The trace's `at` drives bake time; each check advances at most one step. Stops at a
 * revert, a promotion or a step timeout that holds (the runner would stop there too).
 */
export function backtest(
  cfg: StageConfig,
  checks: Check[],
  /** When the first step's weight was applied (a recorded trace says); default the first check. */
  startedAt = checks[0]?.at ?? 0,
): BacktestResult {
  const plan = buildPlan(cfg);
  let state: CoreState = { step: firstStep(startedAt), analysis: initialAnalysisState(), seq: 0 };
  const decisions: BacktestDecision[] = [];
  for (const recorded of checks) {
    const check = refuseOutOfDomain(recorded, maxCountPerCheck(cfg.rollout));
    const decision = decideCheck(cfg, plan, state, check);
    state = decision.state;
    decisions.push(decision.record);
    if (decision.action === "revert") return { outcome: "reverted", revertedAt: check.at, decisions };
    if (decision.action === "promote") return { outcome: "promoted", revertedAt: null, decisions };
    if (decision.timedOut) break;
  }
  return { outcome: "incomplete", revertedAt: null, decisions };
}

/** The backtest as text: one line per check, then the outcome. */
export function formatBacktest(result: BacktestResult): string {
  const lines = result.decisions.map(
    (d) =>
      `${String(d.at).padStart(6)}s  step ${d.step}/${d.steps} ${String(d.weight).padStart(3)}%  ${d.verdict.padEnd(12)} ${d.action.padEnd(7)} ${d.reason}`,
  );
  const tail =
    result.outcome === "reverted"
      ? `outcome: reverted at ${result.revertedAt}s`
      : result.outcome === "promoted"
        ? "outcome: promoted"
        : "outcome: incomplete (the trace ended, or a step timed out and held, before promotion or revert)";
  return `${[...lines, tail].join("\n")}\n`;
}
