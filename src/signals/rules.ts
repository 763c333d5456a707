import type { SignalThreshold, StageConfig } from "../config";
import { stageQueries } from "./promql";

export type RollbackSignal = "errorRate" | "p95LatencyMs" | "memory" | "cpu";

export const SIGNAL_TITLES: Record<RollbackSignal, string> = {
  errorRate: "error rate (5xx / all)",
  p95LatencyMs: "P95 latency (ms)",
  memory: "memory utilisation",
  cpu: "CPU utilisation",
};

/** One roll-back alert: fires when `expr` has held for `forSeconds`. */
export interface RollbackRule {
  signal: RollbackSignal;
  /** Alert name, CamelCase, unique in the stage. */
  alert: string;
  /** The signal query compared with the roll-back limit. */
  query: string;
  threshold: number;
  expr: string;
  /**
   * The alert's `for:`. The expr already looks back one check interval, so a breach seen by
   * `consecutiveChecks` checks in a row has held for (checks - 1) intervals: the alert fires at the
   * same evaluation as the runner's last breaching check (proven with promtool, test/promql).
   */
  forSeconds: number;
  /** How many consecutive checks that duration stands for. */
  consecutiveChecks: number;
  summary: string;
  /** What the on-call person does, from the runbooks. */
  runbook: string;
}

/** A threshold's sustained-breach length in checks: `consecutive`, or `forSeconds` in check intervals. */
export function consecutiveChecks(
  threshold: Pick<SignalThreshold, "consecutive" | "forSeconds">,
  checkIntervalSeconds: number,
): number {
  if (threshold.consecutive !== undefined) return threshold.consecutive;
  if (threshold.forSeconds !== undefined)
    return Math.max(1, Math.ceil(threshold.forSeconds / checkIntervalSeconds));
  return 1;
}

function formatLimit(signal: RollbackSignal, value: number): string {
  return signal === "p95LatencyMs" ? `${value} ms` : `${+(value * 100).toFixed(3)}%`;
}

function pascal(text: string): string {
  return text
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join("");
}

/** The roll-back alerts of a stage, one per signal that has a roll-back limit. */
export function rollbackRules(cfg: StageConfig): RollbackRule[] {
  const queries = stageQueries(cfg);
  const interval = cfg.rollout.checkIntervalSeconds;
  const rules: RollbackRule[] = [];
  for (const signal of Object.keys(SIGNAL_TITLES) as RollbackSignal[]) {
    const threshold = cfg.thresholds[signal];
    if (threshold?.rollbackAbove === undefined) continue;
    const checks = consecutiveChecks(threshold, interval);
    const limit = formatLimit(signal, threshold.rollbackAbove);
    const sustained =
      threshold.consecutive !== undefined ? `${checks} checks in a row` : `${threshold.forSeconds} s`;
    rules.push({
      signal,
      alert: `${pascal(cfg.service.name)}${pascal(signal)}Rollback`,
      query: queries[signal],
      threshold: threshold.rollbackAbove,
      expr: `${queries[signal]} > ${threshold.rollbackAbove}`,
      forSeconds: (checks - 1) * interval,
      consecutiveChecks: checks,
      summary: `${cfg.service.name} (${cfg.stage}): ${SIGNAL_TITLES[signal]} above ${limit} for ${sustained}`,
      runbook: [
        `The ${SIGNAL_TITLES[signal]} of a revision of ${cfg.service.name} has been above the roll-back limit (${limit}) for ${sustained}.`,
        "1. If `ion-rollout` is driving a release it reverts by itself; check `ion-rollout status " +
          `${cfg.stage}\` and the report.`,
        `2. Otherwise roll back now: \`ion-rollout abort ${cfg.stage}\` (sets canaryWeight to 0 and applies it).`,
        "3. Confirm the canary share is 0 and the signal recovers within 5 minutes; then open an incident with the report.",
      ].join("\n"),
    });
  }
  return rules;
}
