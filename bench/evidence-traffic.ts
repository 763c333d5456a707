import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadStageConfig } from "../src/config";
import { runInChildren, serveJobs } from "./pool";
import { wilson95 } from "./stats";
import { PATTERN_CHECKS, PATTERNS, patternFalseReverts } from "./traffic-patterns";
import { renderTrafficPatterns, type TrafficResults } from "./traffic-table";

/**
 * `npm run bench:traffic`: false reverts of a healthy canary (prod's GO level) by traffic pattern,
 * through the runner's decision path (bench/traffic-patterns.ts), with and without the expected
 * traffic declared: the guarantee must not depend on the pattern. Writes
 * bench/results/traffic.json (docs/ tables come from it: `npm run bench:docs`). Jobs run in
 * `--workers` child processes; each seeds its own draws, so the figures do not depend on them.
 */

const PROJECT_DIR = resolve(__dirname, "..");
export const TRAFFIC_FILE = join(PROJECT_DIR, "bench", "results", "traffic.json");
const USAGE = "usage: npm run bench:traffic -- [--runs N] [--workers N] [--quick]";

interface Job {
  pattern: number;
  declared: boolean;
  runs: number;
  seed: number;
}

const prod = () => loadStageConfig("prod", join(PROJECT_DIR, "Pulumi.prod.yaml"));

function work(job: Job): number {
  const pattern = PATTERNS[job.pattern];
  if (!pattern) throw new RangeError(`no traffic pattern ${job.pattern}`);
  return patternFalseReverts(prod(), pattern, job);
}

function options() {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "40000" },
      workers: { type: "string", default: "2" },
      quick: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const runs = values.quick ? 500 : Number(values.runs);
  const workers = Number(values.workers);
  for (const [name, n] of [
    ["runs", runs],
    ["workers", workers],
  ] as const)
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${name}: a whole number ≥ 1; ${USAGE}`);
  return { runs, workers, argv: process.argv.slice(2).join(" ") };
}

async function main(): Promise<void> {
  const o = options();
  const started = Date.now();
  const cfg = prod();
  const jobs: Job[] = PATTERNS.flatMap((_, i) =>
    [false, true].map((declared) => ({
      pattern: i,
      declared,
      runs: o.runs,
      seed: 9000 + i * 2 + Number(declared),
    })),
  );
  const log = (done: number, total: number) =>
    process.stderr.write(
      `bench:traffic: ${done}/${total} jobs done, ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
    );
  const reverted = await runInChildren<Job, number>(__filename, jobs, o.workers, log);
  const cell = (k: number) => {
    const [low, high] = wilson95(k, o.runs);
    return { reverted: k, estimate: k / o.runs, low, high };
  };
  const output: TrafficResults = {
    command: `npm run bench:traffic${o.argv ? ` -- ${o.argv}` : ""}`,
    runs: o.runs,
    checks: PATTERN_CHECKS,
    healthyRate: cfg.thresholds.errorRate.goAtMost,
    alpha: cfg.thresholds.errorRate.evidence.alpha,
    patterns: PATTERNS.map((p, i) => ({
      name: p.name,
      declaredPerCheck: p.declared,
      observed: cell(reverted[2 * i] ?? 0),
      declared: cell(reverted[2 * i + 1] ?? 0),
    })),
    seconds: Math.round((Date.now() - started) / 1000),
  };
  mkdirSync(join(PROJECT_DIR, "bench", "results"), { recursive: true });
  writeFileSync(TRAFFIC_FILE, `${JSON.stringify(output, null, 1)}\n`);
  process.stdout.write(
    `${renderTrafficPatterns(output)}\nwritten: bench/results/traffic.json (${output.seconds} s)\n`,
  );
}

if (process.argv[2] === "--child") serveJobs(work);
else if (require.main === module)
  main().catch((error: unknown) => {
    process.stderr.write(`bench:traffic: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
