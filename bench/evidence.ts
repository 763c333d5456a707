import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadStageConfig } from "../src/config";
import { EvidenceSettingsSchema } from "../src/config/evidence";
import { exactRevert, exactRevertBounds } from "../src/rollout/core/evidence/exact";
import { exactGoPass } from "../src/rollout/core/evidence/exact-go";
import { revertsNow } from "../src/rollout/core/evidence/judge";
import { deriveEvidenceRule } from "../src/rollout/core/evidence/params";
import type { EvidenceRule } from "../src/rollout/core/evidence/rule";
import { initialCountEvidence, observeCounts } from "../src/rollout/core/evidence/state";
import { trafficPatternLines } from "./evidence-traffic";
import { neymanPearsonPower } from "./np-ceiling";
import { binomialDraw, mulberry32 } from "./simulate";
import { wilson95 } from "./stats";

/**
 * `npm run bench:evidence`: the sequential evidence engine measured against the statistical limit.
 * Exact figures by DP over binomial counts (joint DP up to 50 requests per check; above, the two
 * tests' exact crossing probabilities bound it), simulated ones with Wilson 95% intervals, the
 * Neyman–Pearson ceiling at the rule's own false-revert rate, and the runbook rule on the same draws.
 */

const PROJECT_DIR = resolve(__dirname, "..");
const LIMITS = { rollbackAbove: 0.01, goAtMost: 0.005 };
const CHECKS = 60;
const RUNS = 20_000;
const RATES = [0.005, 0.008, 0.01, 0.015, 0.05, 0.2];
const LEVELS = [3, 15, 50, 1000, 5000];

interface Simulated {
  reverted: number;
  checks: Int32Array;
  failed: Float64Array;
  runbookReverted: number;
}

/** RUNS seeded runs of the engine and the runbook rule (> limit three checks in a row) on the same draws. */
function simulate(rule: EvidenceRule, requests: number, rate: number, seed: number): Simulated {
  const random = mulberry32(seed);
  const checks = new Int32Array(RUNS);
  const failed = new Float64Array(RUNS);
  let reverted = 0;
  let runbookReverted = 0;
  for (let run = 0; run < RUNS; run++) {
    let state = initialCountEvidence();
    let streak = 0;
    let runbookAt = 0;
    let served = 0;
    for (let t = 1; t <= CHECKS && (checks[run] === 0 || runbookAt === 0); t++) {
      const errors = binomialDraw(requests, rate, random);
      streak = errors / requests > LIMITS.rollbackAbove ? streak + 1 : 0;
      if (runbookAt === 0 && streak >= 3) runbookAt = t;
      if (checks[run] !== 0) continue;
      served += errors;
      state = observeCounts(state, { requests, errors }, rule);
      if (revertsNow(state, rule, { requests, errors })) {
        checks[run] = t;
        failed[run] = served;
        reverted++;
      }
    }
    if (runbookAt > 0) runbookReverted++;
  }
  return { reverted, checks, failed, runbookReverted };
}

function quantile(values: Int32Array | Float64Array, q: number): number | null {
  const kept = Array.from(values)
    .filter((v) => v > 0)
    .sort((a, b) => a - b);
  return kept.length === 0 ? null : (kept[Math.min(kept.length - 1, Math.floor(q * kept.length))] as number);
}

function exactFigures(rule: EvidenceRule, requests: number, rate: number) {
  if (requests <= 50) {
    const outcome = exactRevert(Array.from({ length: CHECKS }, () => ({ requests, rate, rule })));
    return { text: fmt(outcome.reverted), value: outcome.reverted };
  }
  const b = exactRevertBounds(rule, requests, CHECKS, rate);
  return { text: `${fmt(b.lower)}–${fmt(b.upper)}`, value: b.upper };
}

function fmt(p: number): string {
  if (p === 0) return "0";
  if (p < 0.001) return p.toExponential(1);
  return `${(p * 100).toFixed(p < 0.1 ? 2 : 1)}%`;
}

function row(
  rule: EvidenceRule,
  requests: number,
  rate: number,
  healthyFR: number,
  interval: number,
  seed: number,
) {
  const exact = exactFigures(rule, requests, rate);
  const sim = simulate(rule, requests, rate, seed);
  const [low, high] = wilson95(sim.reverted, RUNS);
  const ceiling =
    rate > LIMITS.goAtMost ? neymanPearsonPower(requests * CHECKS, LIMITS.goAtMost, rate, healthyFR) : null;
  const median = quantile(sim.checks, 0.5);
  const p90 = quantile(sim.checks, 0.9);
  const seconds = (c: number | null) => (c === null ? "–" : `${c * interval}`);
  return [
    `${requests}`,
    `${(rate * 100).toFixed(1)}%`,
    exact.text,
    `${fmt(sim.reverted / RUNS)} [${fmt(low)}, ${fmt(high)}]`,
    `${median ?? "–"} / ${p90 ?? "–"}`,
    `${seconds(median)} / ${seconds(p90)}`,
    `${quantile(sim.failed, 0.5) ?? "–"}`,
    ceiling === null ? "–" : fmt(ceiling),
    ceiling === null ? "–" : (Math.min(exact.value, 1) / ceiling).toFixed(2),
    fmt(sim.runbookReverted / RUNS),
  ];
}

/** A 20% fault at 50 req/check after 40 clean checks of 1,000: share reverted at the first faulty check. */
function lateFault(seed: number): number {
  const config = EvidenceSettingsSchema.parse({});
  const clean = deriveEvidenceRule(LIMITS, config, 1000);
  const faulty = deriveEvidenceRule(LIMITS, config, 50);
  const random = mulberry32(seed);
  let caught = 0;
  for (let run = 0; run < RUNS; run++) {
    let state = initialCountEvidence();
    let early = false;
    for (let t = 0; t < 40 && !early; t++) {
      const check = { requests: 1000, errors: binomialDraw(1000, 0.005, random) };
      state = observeCounts(state, check, clean);
      early = revertsNow(state, clean, check);
    }
    if (early) continue;
    const check = { requests: 50, errors: binomialDraw(50, 0.2, random) };
    state = observeCounts(state, check, faulty);
    if (revertsNow(state, faulty, check)) caught++;
  }
  return caught / RUNS;
}

function markdown(rows: string[][]): string {
  const [head, ...body] = rows;
  const line = (r: string[]) => `| ${r.join(" | ")} |`;
  return [line(head ?? []), line((head ?? []).map(() => "---")), ...body.map(line)].join("\n");
}

export function benchEvidence(): string {
  const started = performance.now();
  const interval = loadStageConfig("prod", join(PROJECT_DIR, "Pulumi.prod.yaml")).rollout
    .checkIntervalSeconds;
  const config = EvidenceSettingsSchema.parse({});
  const header = [
    "req/check",
    "true rate",
    "reverted in 60 checks (exact)",
    "simulated [95% CI]",
    "checks to revert median / p90",
    `seconds (${interval} s checks)`,
    "failed req. before revert (median)",
    "NP ceiling at same FR",
    "share of ceiling",
    "runbook rule (sim.)",
  ];
  const rows: string[][] = [header];
  const bars: string[] = [];
  for (const requests of LEVELS) {
    const rule = deriveEvidenceRule(LIMITS, config, requests);
    bars.push(`${requests}: CUSUM ${Math.exp(rule.changePointLogBar).toExponential(2)}`);
    const healthyFR = exactFigures(rule, requests, LIMITS.goAtMost).value;
    for (const [i, rate] of RATES.entries()) {
      rows.push(row(rule, requests, rate, healthyFR, interval, requests * 100 + i));
    }
  }
  const rule15 = deriveEvidenceRule(LIMITS, config, 15);
  const go = [60, 300].map((n) =>
    exactGoPass(
      rule15.go,
      Array.from({ length: n }, () => 15),
      0.01,
    ),
  );
  const late = lateFault(7);
  const cumulativeBar = Math.exp(rule15.cumulativeLogBar).toFixed(0);
  return [
    "# Sequential evidence engine: measured (`npm run bench:evidence`)",
    "",
    `Defaults: α = ${config.alpha}; cumulative bar ${cumulativeBar}; change-point bars by traffic: ${bars.join(", ")}.`,
    `Exact: joint DP up to 50 req/check; above, "a–b" bounds it (larger / sum of the two tests' exact crossing probabilities). Simulated: ${RUNS} seeded runs each.`,
    "",
    markdown(rows),
    "",
    `- Late fault: 20% at 50 req/check after 40 clean checks of 1,000: reverted at the first faulty check in ${fmt(late)} of ${RUNS} runs (simulated).`,
    `- GO gate at the limit (1%, 15 req/check), exact chance to pass: ${fmt(go[0] as number)} over 60 checks, ${fmt(go[1] as number)} over 300.`,
    "",
    ...trafficPatternLines(fmt),
    "",
    `- Computed in ${((performance.now() - started) / 1000).toFixed(0)} s.`,
    "",
  ].join("\n");
}

if (require.main === module) {
  const text = benchEvidence();
  process.stdout.write(text);
  mkdirSync(join(PROJECT_DIR, "reports"), { recursive: true });
  writeFileSync(join(PROJECT_DIR, "reports", "bench-evidence.md"), text);
  process.stdout.write("written: reports/bench-evidence.md\n");
}
