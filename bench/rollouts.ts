import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadStageConfig, type StageConfig } from "../src/config";
import { buildPlan } from "../src/rollout/core/plan";
import { LATE_FAULT, type LateFaultResult, lateFault } from "./late-fault";
import { runInChildren, serveJobs } from "./pool";
import { type CellResult, type CellSpec, simulateCell } from "./rollout-cell";
import { type RolloutResults, renderLateFault, renderRollouts } from "./tables";

/**
 * `npm run bench:rollouts`: whole rollouts on the prod plan through the runner's decision path,
 * for the current rule, the runbook rule and a Flagger-style rule on the same draws, and the late
 * hard fault. Writes bench/results/rollouts.json (what docs/ tables are generated from: `npm run
 * bench:docs`) and prints the tables. Jobs run in `--workers` child processes; every job seeds its
 * own draws, so the figures do not depend on the worker count.
 */

const PROJECT_DIR = resolve(__dirname, "..");
export const ROLLOUTS_FILE = join(PROJECT_DIR, "bench", "results", "rollouts.json");
const USAGE =
  "usage: npm run bench:rollouts -- [--runs N] [--rare-runs N] [--late-runs N] [--workers N] [--quick] [--t 60,300] [--rates 0.5,1] [--diurnal-rates 0.5,1.5]";

type Job = { kind: "cell"; cell: CellSpec } | { kind: "late"; declared: boolean; runs: number; seed: number };
type JobResult = { kind: "cell"; cell: CellResult } | { kind: "late"; late: LateFaultResult };

const prod = (): StageConfig => loadStageConfig("prod", join(PROJECT_DIR, "Pulumi.prod.yaml"));

function work(job: Job): JobResult {
  const cfg = prod();
  if (job.kind === "late") return { kind: "late", late: lateFault(cfg, job) };
  return { kind: "cell", cell: simulateCell(cfg, job.cell) };
}

function options() {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "1000" },
      "rare-runs": { type: "string", default: "2000" },
      "late-runs": { type: "string", default: "20000" },
      workers: { type: "string", default: "2" },
      quick: { type: "boolean", default: false },
      t: { type: "string", default: "60,300,3000,30000" },
      rates: { type: "string", default: "0.2,0.5,0.8,1,1.5,3,20" },
      "diurnal-rates": { type: "string", default: "0.5,1,1.5" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const count = (name: keyof typeof values, quick: number) => {
    const n = values.quick ? quick : Number(values[name]);
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`--${name} ${values[name]}: a whole number; ${USAGE}`);
    return n;
  };
  return {
    runs: count("runs", 100),
    rareRuns: count("rare-runs", 500),
    lateRuns: count("late-runs", 2000),
    workers: count("workers", Number(values.workers)),
    perMinute: values.t.split(",").map(Number),
    rates: percents(values.rates),
    diurnalRates: percents(values["diurnal-rates"]),
    argv: process.argv.slice(2).join(" "),
  };
}

/** "0.5,1" → [0.005, 0.01]; empty → none. */
function percents(list: string): number[] {
  return list === "" ? [] : list.split(",").map((r) => Number(r) / 100);
}

function jobsOf(o: ReturnType<typeof options>): Job[] {
  const cellsOf = (rates: number[], diurnal: boolean): Job[] =>
    o.perMinute.flatMap((perMinute, i) =>
      rates.map((rate, j) => ({
        kind: "cell" as const,
        cell: {
          perMinute,
          rate,
          runs: o.runs,
          rareRuns: o.rareRuns,
          seed: 1000 * (i + 1) + j + (diurnal ? 100 : 0),
          ...(diurnal ? { diurnal } : {}),
        },
      })),
    );
  const cells = [...cellsOf(o.rates, false), ...cellsOf(o.diurnalRates, true)];
  const late: Job[] = [true, false].map((declared) => ({
    kind: "late",
    declared,
    runs: o.lateRuns,
    seed: 27,
  }));
  // The slowest (low traffic: long stalls) first, so two workers finish together.
  return [
    ...late,
    ...cells.sort((a, b) =>
      a.kind === "cell" && b.kind === "cell" ? a.cell.perMinute - b.cell.perMinute : 0,
    ),
  ];
}

function planOf(cfg: StageConfig) {
  const plan = buildPlan(cfg);
  return {
    steps: plan.steps.map((s) => s.weight),
    bakeSeconds: plan.steps.map((s) => s.bakeSeconds),
    checkIntervalSeconds: plan.checkIntervalSeconds,
    maxStepSeconds: cfg.rollout.maxStepSeconds ?? null,
    minRequestsPerStep: cfg.rollout.minRequestsPerStep,
    plannedMinutes: plan.minimumSeconds / 60,
    plannedWithChecksMinutes: (plan.minimumSeconds + plan.steps.length * plan.checkIntervalSeconds) / 60,
  };
}

async function main(): Promise<void> {
  const o = options();
  const started = Date.now();
  const jobs = jobsOf(o);
  const log = (done: number, total: number) =>
    process.stderr.write(
      `bench:rollouts: ${done}/${total} jobs done, ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
    );
  const results = await runInChildren<Job, JobResult>(__filename, jobs, o.workers, log);
  const cells = results.flatMap((r) => (r.kind === "cell" ? [r.cell] : []));
  const late = results.flatMap((r) => (r.kind === "late" ? [r.late] : []));
  const output: RolloutResults = {
    command: `npm run bench:rollouts${o.argv ? ` -- ${o.argv}` : ""}`,
    runs: o.runs,
    rareRuns: o.rareRuns,
    plan: planOf(prod()),
    cells: cells.sort(
      (a, b) => Number(a.diurnal) - Number(b.diurnal) || a.perMinute - b.perMinute || a.rate - b.rate,
    ),
    lateFault: { scenario: LATE_FAULT, runs: late },
    seconds: Math.round((Date.now() - started) / 1000),
  };
  mkdirSync(join(PROJECT_DIR, "bench", "results"), { recursive: true });
  writeFileSync(ROLLOUTS_FILE, `${JSON.stringify(output, null, 1)}\n`);
  process.stdout.write(`${renderRollouts(output)}\n\n${renderLateFault(output)}\n`);
  process.stdout.write(`written: bench/results/rollouts.json (${output.seconds} s)\n`);
}

if (process.argv[2] === "--child") serveJobs(work);
else if (require.main === module)
  main().catch((error: unknown) => {
    process.stderr.write(`bench:rollouts: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
