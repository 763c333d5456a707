import type { StageConfig } from "../../../config";

/**
 * `backtest --rule RULE`: the stage's config judged by another analysis rule, for `--compare`.
 * Pure: returns a new config, never touches the given one.
 *
 * - `sequential`: `rollout.analysis: sequential`, the evidence engine (src/rollout/core/evidence):
 *   error rate on the canary's cumulative counts, P95 by the slow-request share; prod's and
 *   staging's default.
 * - `consecutive`: `rollout.analysis: consecutive`, the runbook's N-in-a-row as the analysis
 *   implements it: evidence blocks pooled to `minRequests`, each judged by a Wilson bound at
 *   `confidence`, `consecutive` breaching blocks in a row.
 * - `runbook`: the runbook's literal text, "error rate > 1% in 3 consecutive checks": every check
 *   judged alone on its raw rate. Expressed in the consecutive analysis as evidence blocks of one
 *   request (each check its own block) and a 50% "confidence", whose Wilson lower bound is the raw
 *   rate. The schema refuses 0.5 in a stage file on purpose; only this what-if uses it.
 */
export const RULES = ["sequential", "consecutive", "runbook"] as const;
export type RuleName = (typeof RULES)[number];

export class RuleError extends Error {
  override name = "RuleError";
}

/** The config with `rollout.analysis` set. */
function withAnalysis(cfg: StageConfig, analysis: StageConfig["rollout"]["analysis"]): StageConfig {
  return { ...cfg, rollout: { ...cfg.rollout, analysis } };
}

export function withRule(cfg: StageConfig, rule: string): StageConfig {
  switch (rule) {
    case "sequential":
    case "consecutive":
      return withAnalysis(cfg, rule);
    case "runbook":
      return runbookLiteral(cfg);
    default:
      throw new RuleError(`--rule ${rule}: unknown rule; use one of ${RULES.join(", ")}`);
  }
}

/** The runbook's words taken literally: each check's own error rate against the limit, N in a row. */
export function runbookLiteral(cfg: StageConfig): StageConfig {
  const errorRate = { ...cfg.thresholds.errorRate, minRequests: 1, confidence: 0.5 };
  delete errorRate.compareToStable;
  return { ...withAnalysis(cfg, "consecutive"), thresholds: { ...cfg.thresholds, errorRate } };
}

/** How a rule reads in output. */
export function describeRule(rule: string): string {
  if (rule === "runbook") return "runbook rule (each check's raw rate, N in a row)";
  if (rule === "consecutive") return "consecutive rule (evidence blocks, N in a row)";
  if (rule === "sequential") return "sequential rule (cumulative evidence, e-value against its bar)";
  return `${rule} rule`;
}
