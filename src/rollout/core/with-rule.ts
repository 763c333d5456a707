import type { StageConfig } from "../../config";

/**
 * `backtest --rule RULE`: the stage's config judged by another analysis rule, for `--compare`.
 * Pure: returns a new config, never touches the given one.
 *
 * - `consecutive`: the N-in-a-row analysis this build runs (evidence blocks judged by a Wilson
 *   bound, `consecutive` blocks in a row). Today that is every stage's rule, so the config is
 *   returned as it is. When `rollout.analysis` exists (the sequential evidence engine), this sets it.
 * - `runbook`: the runbook's literal text, "error rate > 1% in 3 consecutive checks": every check
 *   judged alone on its raw rate. Expressed in the same analysis as evidence blocks of one request
 *   (each check its own block) and a 50% "confidence", whose Wilson lower bound is the raw rate.
 *   The schema refuses 0.5 in a stage file on purpose; only this what-if uses it.
 * - `sequential`: needs `rollout.analysis`, which this build's config does not have yet.
 */
export const RULES = ["consecutive", "runbook", "sequential"] as const;
export type RuleName = (typeof RULES)[number];

export class RuleError extends Error {
  override name = "RuleError";
}

/** The config with `rollout.analysis` set; only called once the key exists in the schema. */
function withAnalysis(cfg: StageConfig, analysis: string): StageConfig {
  return { ...cfg, rollout: { ...cfg.rollout, analysis } as StageConfig["rollout"] };
}

export function withRule(cfg: StageConfig, rule: string): StageConfig {
  const hasAnalysisKey = "analysis" in cfg.rollout;
  switch (rule) {
    case "consecutive":
      return hasAnalysisKey ? withAnalysis(cfg, "consecutive") : cfg;
    case "runbook":
      return runbookLiteral(cfg);
    case "sequential":
      if (hasAnalysisKey) return withAnalysis(cfg, "sequential");
      throw new RuleError(
        `--rule sequential: this build has no sequential analysis (no rollout.analysis in the stage config); rules here: consecutive, runbook`,
      );
    default:
      throw new RuleError(`--rule ${rule}: unknown rule; use one of ${RULES.join(", ")}`);
  }
}

/** The runbook's words taken literally: each check's own error rate against the limit, N in a row. */
export function runbookLiteral(cfg: StageConfig): StageConfig {
  const errorRate = { ...cfg.thresholds.errorRate, minRequests: 1, confidence: 0.5 };
  delete errorRate.compareToStable;
  return { ...cfg, thresholds: { ...cfg.thresholds, errorRate } };
}

/** How a rule reads in output. */
export function describeRule(rule: string): string {
  if (rule === "runbook") return "runbook rule (each check's raw rate, N in a row)";
  if (rule === "consecutive") return "consecutive rule (evidence blocks, N in a row)";
  return `${rule} rule`;
}
