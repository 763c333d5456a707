import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadStageConfig, type StageConfig } from "../src/config";
import { evidenceRule, trafficLevel } from "../src/rollout/core/analysis/evidence-rules";
import { withRule } from "../src/rollout/core/backtest/with-rule";
import { exactRevert, exactRevertBounds } from "../src/rollout/core/evidence/exact";
import { exactGoPass } from "../src/rollout/core/evidence/exact-go";
import type { EvidenceRule } from "../src/rollout/core/evidence/rule";
import { checkRandom } from "./draws";
import { neymanPearsonPower } from "./np-ceiling";
import { runnerPathRule } from "./runner-path";
import { binomialDraw } from "./simulate";
import { wilson95 } from "./stats";
import { steadyStage } from "./steady-stage";
import { type EvidenceResults, type EvidenceRow, renderEvidence } from "./tables";

/**
 * `npm run bench:evidence`: the error-rate rule at steady traffic, measured against the
 * statistical limit. Exact figures by DP over binomial counts on the rule the runner selects for
 * that traffic (`evidenceRule` at `trafficLevel`; joint DP up to 50 requests per check, above it
 * the two tests' exact crossing probabilities bound it); simulated ones through the runner's
 * decision path check by check (the prod stage declaring that traffic), with the runbook rule
 * on the same draws; the Neyman–Pearson ceiling at the rule's own false-revert rate. Writes
 * bench/results/evidence.json (docs/ tables come from it: `npm run bench:docs`).
 */

const PROJECT_DIR = resolve(__dirname, "..");
export const EVIDENCE_FILE = join(PROJECT_DIR, "bench", "results", "evidence.json");
const CHECKS = 60;
const RATES = [0.005, 0.008, 0.01, 0.015, 0.05, 0.2];
const LEVELS = [3, 15, 50, 1000, 5000];

/** Runs through the runner's path: checks to revert (0 = none), failed requests until then. */
function simulate(cfg: StageConfig, requests: number, rate: number, runs: number, seed: number) {
  const stage = steadyStage(cfg, { requestsPerCheck: requests, declared: true, checks: CHECKS });
  const current = runnerPathRule("current", stage);
  const runbook = runnerPathRule("runbook", withRule(stage, "runbook"));
  const interval = cfg.rollout.checkIntervalSeconds;
  const checks: number[] = [];
  const failed: number[] = [];
  let runbookReverted = 0;
  for (let run = 0; run < runs; run++) {
    const ours = current.start();
    const theirs = runbook.start();
    let oursAt = 0;
    let theirsAt = 0;
    let served = 0;
    for (let t = 1; t <= CHECKS && (oursAt === 0 || theirsAt === 0); t++) {
      const errors = binomialDraw(requests, rate, checkRandom(seed, run, t));
      const counts = { requests, errors };
      if (theirsAt === 0 && theirs.feed(t * interval, counts) === "revert") theirsAt = t;
      if (oursAt !== 0) continue;
      served += errors;
      if (ours.feed(t * interval, counts) === "revert") oursAt = t;
    }
    if (oursAt > 0) {
      checks.push(oursAt);
      failed.push(served);
    }
    if (theirsAt > 0) runbookReverted++;
  }
  return { checks: checks.sort((a, b) => a - b), failed: failed.sort((a, b) => a - b), runbookReverted };
}

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0 ? null : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);

function exactFigures(rule: EvidenceRule, requests: number, rate: number) {
  if (requests <= 50) {
    const value = exactRevert(Array.from({ length: CHECKS }, () => ({ requests, rate, rule }))).reverted;
    return { low: value, high: value };
  }
  const b = exactRevertBounds(rule, requests, CHECKS, rate);
  return { low: b.lower, high: b.upper };
}

function ruleAt(cfg: StageConfig, requests: number): EvidenceRule {
  const { rollbackAbove, goAtMost } = cfg.thresholds.errorRate;
  if (rollbackAbove === undefined) throw new RangeError("prod needs thresholds.errorRate.rollbackAbove");
  return evidenceRule(
    { rollbackAbove, goAtMost },
    cfg.thresholds.errorRate.evidence,
    trafficLevel(requests, requests),
  );
}

function row(cfg: StageConfig, requests: number, rate: number, runs: number, seed: number): EvidenceRow {
  const rule = ruleAt(cfg, requests);
  const { goAtMost } = cfg.thresholds.errorRate;
  const exact = exactFigures(rule, requests, rate);
  const healthy = exactFigures(rule, requests, goAtMost).high;
  const sim = simulate(cfg, requests, rate, runs, seed);
  const [low, high] = wilson95(sim.checks.length, runs);
  const ceiling = rate > goAtMost ? neymanPearsonPower(requests * CHECKS, goAtMost, rate, healthy) : null;
  return {
    requests,
    rate,
    exact,
    simulated: { estimate: sim.checks.length / runs, low, high },
    checksToRevert: { median: quantile(sim.checks, 0.5), p90: quantile(sim.checks, 0.9) },
    failedBeforeRevert: quantile(sim.failed, 0.5),
    ceiling,
    runbook: sim.runbookReverted / runs,
  };
}

function main(): void {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "2000" } } });
  const runs = Number(values.runs);
  const started = performance.now();
  const cfg = loadStageConfig("prod", join(PROJECT_DIR, "Pulumi.prod.yaml"));
  const rows: EvidenceRow[] = [];
  const bars: Record<string, number> = {};
  for (const requests of LEVELS) {
    bars[requests] = Math.exp(ruleAt(cfg, requests).changePointLogBar);
    for (const [i, rate] of RATES.entries()) rows.push(row(cfg, requests, rate, runs, requests * 100 + i));
    process.stderr.write(
      `bench:evidence: ${requests} req/check done, ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );
  }
  const r15 = ruleAt(cfg, 15);
  const goAtLimit = [60, 300].map((n) => ({
    checks: n,
    pass: exactGoPass(
      r15.go,
      Array.from({ length: n }, () => 15),
      cfg.thresholds.errorRate.rollbackAbove ?? 0,
    ),
  }));
  const output: EvidenceResults = {
    command: `npm run bench:evidence${values.runs === "2000" ? "" : ` -- --runs ${runs}`}`,
    runs,
    checks: CHECKS,
    checkIntervalSeconds: cfg.rollout.checkIntervalSeconds,
    alpha: cfg.thresholds.errorRate.evidence.alpha,
    cumulativeBar: Math.exp(r15.cumulativeLogBar),
    changePointBars: bars,
    rows,
    goAtLimit,
    seconds: Math.round((performance.now() - started) / 1000),
  };
  mkdirSync(join(PROJECT_DIR, "bench", "results"), { recursive: true });
  writeFileSync(EVIDENCE_FILE, `${JSON.stringify(output, null, 1)}\n`);
  process.stdout.write(
    `${renderEvidence(output)}\nwritten: bench/results/evidence.json (${output.seconds} s)\n`,
  );
}

if (require.main === module) main();
