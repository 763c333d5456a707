import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type EvidenceSettings, loadStageConfig, type StageConfig } from "../src/config";
import { plannedChecks } from "../src/rollout/core/analysis/plan-horizon";
import { oneCheckErrorsToRevert } from "../src/rollout/core/evidence/one-check";
import { deriveEvidenceRule } from "../src/rollout/core/evidence/params";
import { type FailedCeiling, failedCeiling } from "./failed-ceiling";
import { maxChecksOf, rulesOf, runRollout } from "./rollout-sim";

/**
 * `npm run bench:tradeoff`: what the revert guarantees cost in failed requests of a bad canary.
 * Issue 22 asks for false reverts of a 0.5% canary ≤ α, OBSERVE-band canaries (0.8%) reverted
 * ≤ 1%, and a 1.5% canary serving no more failed requests (median) than under the runbook rule.
 * A rule whose "reverted by the N-th request" happens to a canary at rate q with probability ≤ β
 * reverts a 1.5% one by then at most with the Neyman–Pearson power of size β (failed-ceiling.ts),
 * so each guarantee bounds the median from below on its own, and the larger bound holds. This
 * runs the current rule with `alpha` and `holdRevertAtMost` changed (nothing else) through the
 * runner's decision path at 1.5%, with the runbook rule on the same draws, and writes
 * bench/results/failed-tradeoff.json (`npm run bench:docs` renders it).
 */

const PROJECT_DIR = resolve(__dirname, "..");
export const TRADEOFF_FILE = join(PROJECT_DIR, "bench", "results", "failed-tradeoff.json");
const USAGE =
  "usage: npm run bench:tradeoff -- [--runs N] [--settings ALPHA:HOLD,...] [--t 60,300]   (HOLD = holdRevertAtMost)";
const HEALTHY = 0.005;
const BAD = 0.015;

type Setting = Pick<EvidenceSettings, "alpha" | "holdRevertAtMost">;

export interface MedianEstimate {
  median: number;
  /** 95% distribution-free interval of the median (order statistics). */
  low: number;
  high: number;
  mean: number;
}

export interface TradeoffRow {
  setting: Setting;
  /** Lower bounds on the median from each guarantee: healthy (0.5%) at α, OBSERVE band at the hold's share. */
  ceilings: { healthy: FailedCeiling; observe: FailedCeiling };
  /** Errors of 50 that revert a check on their own (the hard-fault trigger). */
  oneCheckOf50: number | null;
  /** The current rule's failed requests at 1.5%, per T (req/min at 100%). */
  current: Record<string, MedianEstimate>;
}

export interface TradeoffResults {
  command: string;
  runs: number;
  rates: { healthy: number; observe: number; bad: number };
  perMinute: number[];
  runbook: Record<string, MedianEstimate>;
  rows: TradeoffRow[];
  seconds: number;
}

/** The stage with the error rate's evidence settings changed, nothing else. */
function withEvidence(cfg: StageConfig, setting: Setting): StageConfig {
  const errorRate = cfg.thresholds.errorRate;
  const evidence = { ...errorRate.evidence, ...setting };
  return { ...cfg, thresholds: { ...cfg.thresholds, errorRate: { ...errorRate, evidence } } };
}

export function medianEstimate(values: number[]): MedianEstimate {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const half = 1.959964 * Math.sqrt(n) * 0.5;
  const at = (i: number) => sorted[Math.min(n - 1, Math.max(0, Math.round(i)))] as number;
  return {
    median: at(Math.floor(n / 2)),
    low: at(n / 2 - half - 1),
    high: at(n / 2 + half),
    mean: sorted.reduce((a, b) => a + b, 0) / n,
  };
}

/** Failed requests of a 1.5% canary per run, for one rule and T, on draws every rule shares. */
export function failedPerRun(cfg: StageConfig, rule: "current" | "runbook", perMinute: number, runs: number) {
  const run = rulesOf(cfg)[rule];
  const traffic = { perMinute, intervalSeconds: cfg.rollout.checkIntervalSeconds };
  const maxChecks = maxChecksOf(cfg);
  const seed = 22_000 + perMinute;
  return Array.from(
    { length: runs },
    (_, i) => runRollout(run, { seed, run: i, traffic, drawRate: BAD, rates: [], maxChecks }).failed,
  );
}

function oneCheckOf50(cfg: StageConfig): number | null {
  const { evidence, rollbackAbove, goAtMost } = cfg.thresholds.errorRate;
  const horizonChecks = Math.max(evidence.horizonChecks, plannedChecks(cfg.rollout));
  const limits = { rollbackAbove: rollbackAbove as number, goAtMost };
  return oneCheckErrorsToRevert(50, deriveEvidenceRule(limits, { ...evidence, horizonChecks }, 50));
}

function settingsOf(list: string): Setting[] {
  return list.split(",").map((pair) => {
    const [alpha, hold] = pair.split(":").map(Number);
    if (!(alpha && hold && alpha > 0 && hold > 0))
      throw new RangeError(`--settings ${pair}: ALPHA:HOLD, two numbers above 0; ${USAGE}`);
    return { alpha, holdRevertAtMost: hold };
  });
}

function main() {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "4000" },
      settings: { type: "string", default: "0.001:0.01,0.01:0.01,0.001:0.1,0.01:0.1,0.05:0.2" },
      t: { type: "string", default: "60,300,3000,30000" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new RangeError(`--runs ${values.runs}: a whole number; ${USAGE}`);
  const perMinute = values.t.split(",").map(Number);
  const started = Date.now();
  const cfg = loadStageConfig("prod", join(PROJECT_DIR, "Pulumi.prod.yaml"));
  const observe =
    cfg.thresholds.errorRate.evidence.holdFactor * (cfg.thresholds.errorRate.rollbackAbove as number);
  const perT = (f: (t: number) => number[]) =>
    Object.fromEntries(perMinute.map((t) => [String(t), medianEstimate(f(t))]));
  const runbook = perT((t) => failedPerRun(cfg, "runbook", t, runs));
  const rows = settingsOf(values.settings).map((setting): TradeoffRow => {
    const at = withEvidence(cfg, setting);
    const row = {
      setting,
      ceilings: {
        healthy: failedCeiling(setting.alpha, HEALTHY, BAD),
        observe: failedCeiling(setting.holdRevertAtMost, observe, BAD),
      },
      oneCheckOf50: oneCheckOf50(at),
      current: perT((t) => failedPerRun(at, "current", t, runs)),
    };
    const elapsed = ((Date.now() - started) / 1000).toFixed(0);
    process.stderr.write(
      `bench:tradeoff: α ${setting.alpha}, hold ${setting.holdRevertAtMost} done, ${elapsed} s\n`,
    );
    return row;
  });
  const args = process.argv.slice(2).join(" ");
  const results: TradeoffResults = {
    command: args ? `npm run bench:tradeoff -- ${args}` : "npm run bench:tradeoff",
    runs,
    rates: { healthy: HEALTHY, observe, bad: BAD },
    perMinute,
    runbook,
    rows,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  mkdirSync(join(PROJECT_DIR, "bench", "results"), { recursive: true });
  writeFileSync(TRADEOFF_FILE, `${JSON.stringify(results, null, 2)}\n`);
}

if (require.main === module) main();
