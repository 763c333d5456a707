import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { loadStageConfig } from "../src/config";
import { type AnalysisState, analyseCheck, initialAnalysisState } from "../src/rollout/core/analysis/check";
import type { Check } from "../src/rollout/core/analysis/types";
import type { CounterSnapshot, SideCounters, SideSample } from "../src/rollout/core/sample/sample";
import { type GlitchResults, renderGlitches } from "./glitches-table";
import { binomialDraw, mulberry32 } from "./simulate";
import { wilson95 } from "./stats";

/**
 * `npm run bench` (this part: `tsx bench/glitches.ts`): healthy canaries whose 5xx and request
 * series each read one lower than before on 0.1% of readings (a replica answering late, a rounded
 * rate), judged by prod's sequential analysis through the project's own ledger and analysis.
 * "start time" is today's rule (a lower reading is a reset only when the series' start time says
 * so); "inferred reset" counts any lower reading as a restart (the rule it replaced), fed to the
 * same analysis as the counts it would have produced. A false revert is a NO-GO or the
 * inconclusive streak that reverts. Writes bench/results/glitches.json (docs/ tables come from it:
 * `npm run bench:docs`).
 */

const PROJECT_DIR = resolve(__dirname, "..");
export const GLITCHES_FILE = join(PROJECT_DIR, "bench", "results", "glitches.json");
const RUNS = Number(process.env.GLITCH_RUNS ?? 20_000);
const CHECKS = 60;
const GLITCH = 0.001;
const REQUESTS_PER_CHECK = 200;
const HEALTHY_RATE = 0.002;
const SERIES = ["requests|2xx", "requests|5xx", "errors|5xx"] as const;

type Rule = "start time" | "inferred reset";

function side(requests: number, errors: number): SideSample {
  return { requests, errors, p95LatencyMs: 120, memory: 0.4, cpu: 0.3, sampleAgeSeconds: 5 };
}

function counters(values: { ok: number; failed: number }, read: (v: number) => number): SideCounters {
  return {
    requests: [
      { series: "class=2xx", value: read(values.ok), startedAt: 1 },
      { series: "class=5xx", value: read(values.failed), startedAt: 1 },
    ],
    errors: [{ series: "class=5xx", value: read(values.failed), startedAt: 1 }],
  };
}

/** The replaced rule: `value - last`, or the whole value when it went down. */
function inferredResetDelta(last: Map<string, number>, key: string, value: number): number {
  const before = last.get(key) ?? value;
  last.set(key, value);
  return value >= before ? value - before : value;
}

/** One healthy canary's rollout hour; true when it was reverted. */
function falselyReverted(cfg: ReturnType<typeof loadStageConfig>, rule: Rule, random: () => number): boolean {
  let state: AnalysisState = initialAnalysisState();
  const truth = { ok: 0, failed: 0 };
  const stable = { ok: 0, failed: 0 };
  const glitchy = (v: number) => (v > 0 && random() < GLITCH ? v - 1 : v);
  const last = new Map<string, number>();
  const baseline = { at: 0, canary: counters(truth, (v) => v), stable: counters(stable, (v) => v) };
  for (const s of SERIES) last.set(s, 0);
  for (let t = 1; t <= CHECKS; t++) {
    const errors = binomialDraw(REQUESTS_PER_CHECK, HEALTHY_RATE, random);
    truth.ok += REQUESTS_PER_CHECK - errors;
    truth.failed += errors;
    stable.ok += 19 * REQUESTS_PER_CHECK;
    const canary = counters(truth, glitchy);
    const snapshot: CounterSnapshot = {
      at: t * 60_000,
      canary,
      stable: counters(stable, (v) => v),
      baseline,
    };
    const check: Check = {
      at: t * 60,
      canary: side(REQUESTS_PER_CHECK, errors),
      stable: side(19 * REQUESTS_PER_CHECK, 0),
      ...(rule === "start time" ? { counters: snapshot } : { deltas: legacyDeltas(last, canary) }),
    };
    const r = analyseCheck(cfg, state, check, 5);
    state = r.state;
    if (r.verdict === "NO-GO" || state.inconclusiveStreak >= cfg.rollout.maxInconclusiveChecks) return true;
  }
  return false;
}

function legacyDeltas(last: Map<string, number>, canary: SideCounters) {
  const [ok, failed] = canary.requests ?? [];
  const errorsReading = canary.errors?.[0];
  const requests =
    inferredResetDelta(last, "requests|2xx", ok?.value ?? 0) +
    inferredResetDelta(last, "requests|5xx", failed?.value ?? 0);
  const errors = inferredResetDelta(last, "errors|5xx", errorsReading?.value ?? 0);
  return { canary: { requests, errors }, stable: { requests: 19 * REQUESTS_PER_CHECK, errors: 0 } };
}

const LABELS: Record<Rule, string> = {
  "start time": "start time (today's rule)",
  "inferred reset": "inferred reset (the rule it replaced)",
};

function main(): void {
  const started = Date.now();
  const cfg = loadStageConfig("prod", join(PROJECT_DIR, "Pulumi.prod.yaml"));
  const alpha = cfg.thresholds.errorRate.evidence.alpha;
  const rules: GlitchResults["rules"] = [];
  // GLITCH_RULE runs one rule (two processes use two cores); GLITCH_RUNS overrides the run count.
  const only = process.env.GLITCH_RULE;
  for (const rule of (["start time", "inferred reset"] as const).filter((r) => !only || r === only)) {
    const random = mulberry32(20_261_206);
    let reverted = 0;
    for (let run = 0; run < RUNS; run++) if (falselyReverted(cfg, rule, random)) reverted++;
    const [low, high] = wilson95(reverted, RUNS);
    rules.push({ rule: LABELS[rule], reverted, rate: reverted / RUNS, low, high });
  }
  const env = process.env.GLITCH_RUNS ? `GLITCH_RUNS=${RUNS} ` : "";
  const output: GlitchResults = {
    command: `${env}npm run bench:glitches`,
    runs: RUNS,
    checks: CHECKS,
    requestsPerCheck: REQUESTS_PER_CHECK,
    healthyRate: HEALTHY_RATE,
    glitchShare: GLITCH,
    alpha,
    rules,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  process.stdout.write(`${renderGlitches(output)}\n`);
  // One rule alone is half the table: it goes to reports/, not to what docs/ are generated from.
  const file = only
    ? join(PROJECT_DIR, "reports", `glitches-${only.replace(/ /g, "-")}.json`)
    : GLITCHES_FILE;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(output, null, 1)}\n`);
  process.stdout.write(`written: ${relative(PROJECT_DIR, file)} (${output.seconds} s)\n`);
}

if (require.main === module) main();
