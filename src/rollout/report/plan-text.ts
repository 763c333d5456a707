import type { StageConfig } from "../../config";
import { consecutiveChecks } from "../../signals/rules";
import { analysisContext } from "../core/analysis/check";
import { evidenceRule, SLOW_SHARE_LIMITS } from "../core/analysis/evidence-rules";
import { planRows } from "../core/evidence/explain";
import type { RolloutPlan } from "../core/plan";
import { describeGates } from "./gate-text";

/** Seconds as "24 h", "1 h 30 min", "45 s". */
export function duration(seconds: number): string {
  if (seconds === 0) return "0 s";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h ? `${h} h` : "", m ? `${m} min` : "", s ? `${s} s` : ""].filter(Boolean).join(" ");
}

const pct = (v: number) => `${+(v * 100).toFixed(3)}%`;

/** `ion-rollout plan`: the schedule and the thresholds, for people. */
export function formatPlan(cfg: StageConfig, plan: RolloutPlan): string {
  const lines = [
    `Rollout plan for ${cfg.stage} (${cfg.platform}, profile ${cfg.profile}): ${cfg.service.name}`,
    `  stable ${cfg.releases.stable.name} (${cfg.releases.stable.image})`,
    `  canary ${cfg.releases.canary.name} (${cfg.releases.canary.image})`,
    "",
    ...scheduleLines(plan),
    "",
    ...thresholdLines(cfg, plan),
    "",
    ...describeGates(cfg),
    "",
    cfg.rollout.analysis === "sequential"
      ? "Analysis: sequential (error rate, and P95 as the share of slow requests, judged on cumulative counts; docs/rollout.md)."
      : "Analysis: consecutive (the runbook's N-in-a-row rule, error rate by evidence blocks).",
    "Nothing was applied: plan only reads the stage config.",
  ];
  return `${lines.join("\n")}\n`;
}

/** The steps: weight, bake, minimum requests and time limit of each, and when a step advances. */
function scheduleLines(plan: RolloutPlan): string[] {
  const lines = [
    `Steps (${plan.steps.length}), a check every ${duration(plan.checkIntervalSeconds)}:`,
    "  step  weight  bake        min requests  max step",
  ];
  for (const step of plan.steps) {
    lines.push(
      `  ${String(step.index + 1).padStart(4)}  ${`${step.weight}%`.padStart(6)}  ${duration(step.bakeSeconds).padEnd(10)}  ${String(step.minRequests).padStart(12)}  ${step.maxSeconds === undefined ? "none" : duration(step.maxSeconds)}`,
    );
  }
  lines.push(
    `  a step advances when its bake has passed, it has seen its minimum canary requests and the latest check is GO; at least ${duration(plan.minimumSeconds)} in all`,
    `  step timeout: ${plan.onStepTimeout}; ${plan.maxInconclusiveChecks} inconclusive checks in a row revert; data older than ${duration(plan.maxSampleAgeSeconds)} is stale`,
  );
  return lines;
}

/** Each signal's roll-back limit and GO gate, and how the error rate is judged. */
function thresholdLines(cfg: StageConfig, plan: RolloutPlan): string[] {
  const lines = ["Thresholds (NO-GO = roll back; GO gate = may advance; between = OBSERVE, hold):"];
  const t = cfg.thresholds;
  const sustained = (th: { consecutive?: number; forSeconds?: number }) =>
    th.consecutive !== undefined
      ? `${th.consecutive} checks in a row`
      : `${th.forSeconds} s (${consecutiveChecks(th, plan.checkIntervalSeconds)} checks)`;
  const e = t.errorRate;
  lines.push(
    `  error rate   roll back > ${e.rollbackAbove === undefined ? "-" : pct(e.rollbackAbove)} for ${sustained(e)}; GO <= ${pct(e.goAtMost)}`,
  );
  if (cfg.rollout.analysis === "sequential") {
    lines.push(...evidenceTable(cfg, plan));
  } else
    lines.push(
      `               judged per block of >= ${e.minRequests} canary requests (checks pooled at low traffic); breach when the ${pct(e.confidence)} one-sided Wilson lower bound is above the limit`,
    );
  if (e.compareToStable) {
    lines.push(
      `               also a breach when worse than stable by more than ${e.compareToStable.worseByFactor}x at ${pct(e.compareToStable.confidence)} confidence (conditional binomial test)`,
    );
  }
  const level = (
    name: string,
    th: { rollbackAbove?: number; consecutive?: number; forSeconds?: number; goAtMost: number } | undefined,
    f: (v: number) => string,
  ) => {
    if (!th) return;
    const back =
      th.rollbackAbove === undefined
        ? "no roll-back limit"
        : `roll back > ${f(th.rollbackAbove)} for ${sustained(th)}`;
    lines.push(`  ${name.padEnd(12)} ${back}; GO <= ${f(th.goAtMost)}`);
  };
  level("P95 latency", t.p95LatencyMs, (v) => `${v} ms`);
  level("memory", t.memory, pct);
  level("CPU", t.cpu, pct);
  if (t.health)
    lines.push(`  health       roll back after ${t.health.rollbackAfterFailures} failed checks in a row`);
  return lines;
}

const sci = (x: number) => (x >= 0.01 && x < 1e5 ? `${+x.toPrecision(3)}` : x.toExponential(1));
const count = (x: number | null) => (x === null ? "never" : String(x));

/**
 * The sequential rule per step: expected canary requests per check, the bars, and the counts a
 * person can check ("k errors in the first check / first 100 requests revert", clean requests to GO).
 */
function evidenceTable(cfg: StageConfig, plan: RolloutPlan): string[] {
  // The thresholds as the analysis judges them: evidence horizons cover the plan's checks.
  const thresholds = analysisContext(cfg).thresholds;
  const e = thresholds.errorRate;
  if (e.rollbackAbove === undefined) return [];
  const limits = { rollbackAbove: e.rollbackAbove, goAtMost: e.goAtMost };
  const rate = cfg.rollout.expectedRequestsPerSecond;
  const levels = plan.steps.map((step) => {
    const perCheck =
      rate === undefined
        ? 15
        : Math.max(1, Math.round((rate * step.weight * plan.checkIntervalSeconds) / 100));
    return {
      weight: step.weight,
      requestsPerCheck: perCheck,
      rule: evidenceRule(limits, e.evidence, perCheck),
    };
  });
  const lines = [
    `               sequential evidence, alpha ${e.evidence.alpha}: revert when the mixture e-value or the change-point statistic crosses its bar, or one check holds too many errors to be healthy; GO gate: a canary at the limit advances with probability <= ${e.evidence.advanceAtLimitAtMost}`,
    rate === undefined
      ? "               (no rollout.expectedRequestsPerSecond: rows assume 15 requests per check; bars are raised for busy checks' traffic, never below the false-revert guarantee's)"
      : `               expected traffic ${rate} req/s at 100%`,
    "               weight  req/check  change-point bar  e-value bar  errors reverting 1st check  in first 100  clean requests to GO",
  ];
  for (const r of planRows(levels)) {
    lines.push(
      `               ${`${r.weight}%`.padStart(6)}  ${String(r.requestsPerCheck).padStart(9)}  ${sci(r.changePointBar).padStart(16)}  ${sci(r.cumulativeBar).padStart(11)}  ${count(r.errorsRevertingFirstCheck).padStart(26)}  ${count(r.errorsRevertingFirst100).padStart(12)}  ${count(r.cleanRequestsToGo).padStart(20)}`,
    );
  }
  const slowLevel = levels[0]?.requestsPerCheck ?? 15;
  const slow = planRows([
    {
      weight: levels[0]?.weight ?? 0,
      requestsPerCheck: slowLevel,
      rule: evidenceRule(SLOW_SHARE_LIMITS, thresholds.p95LatencyMs.evidence, slowLevel),
    },
  ])[0];
  if (slow)
    lines.push(
      `               P95 by slow requests (> ${cfg.thresholds.p95LatencyMs.rollbackAbove ?? "-"} ms; limit 5% of requests): ${count(slow.errorsRevertingFirst100)} slow in the first 100 requests revert`,
    );
  return lines;
}
