import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startEnvironment } from "../rehearsal/environment";
import { startLoad } from "../rehearsal/load";
import { stopRecorded } from "../rehearsal/pidfile";
import { ensurePrerequisites } from "../rehearsal/prerequisites";
import { defaultScenario } from "../rehearsal/scenario";
import { loadStageConfig } from "../src/config";
import { type LiveRun, liveRuns } from "./live";
import { judgePopulation, type PopulationResult } from "./population";
import { median, percent, table, wilson95 } from "./stats";

/**
 * `npm run bench`: how fast and how costly a revert is on the real rehearsal environment, and how
 * the runner's analysis compares with the runbook's plain rule on a population of low-traffic
 * canaries. Prints tables and writes reports/bench.json, and with the live part also
 * bench/results/live.json (docs/rehearsal.md's tables: `npm run bench:docs`). Not a test: nothing
 * here asserts timings.
 */

const PROJECT_DIR = resolve(__dirname, "..");
const WORK_DIR = join(PROJECT_DIR, ".rehearsal");
const LIVE_FILE = join(PROJECT_DIR, "bench", "results", "live.json");
const USAGE = `usage: npm run bench [-- --runs N] [-- --weights 5,25] [-- --canaries 100] [-- --checks 60] [-- --seed 1] [-- --simulation-only]`;

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

async function live(runs: number, weights: number[] | undefined) {
  const cfg = loadStageConfig("rehearsal", join(PROJECT_DIR, "Pulumi.rehearsal.yaml"));
  const leftovers = await stopRecorded(join(WORK_DIR, "pids.json"));
  if (leftovers.length > 0) log(`stopped an environment left by --keep: ${leftovers.join(", ")}`);
  ensurePrerequisites(log);
  const scenario = defaultScenario(cfg.releases.canary);
  const atWeights = weights ?? [cfg.rollout.steps[0] ?? 5, scenario.faultAtWeight];
  const env = await startEnvironment({
    cfg,
    workDir: WORK_DIR,
    projectDir: PROJECT_DIR,
    previousCanary: cfg.releases.canary,
    log,
  });
  const rps = env.layout.local.loadRequestsPerSecond;
  const load = startLoad({ url: `${env.layout.frontendUrl}/`, requestsPerSecond: rps });
  const stopOnSignal = () => {
    void load.stop().then(() => env.stop().then(() => process.exit(130)));
  };
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  try {
    const results = await liveRuns({
      env,
      cfg,
      projectDir: PROJECT_DIR,
      stateDir: resolve(PROJECT_DIR, cfg.rollout.stateDir),
      scenario,
      weights: atWeights,
      runs,
      log,
    });
    const consecutive = cfg.thresholds.errorRate.consecutive ?? 1;
    return {
      cfg,
      rps,
      results,
      errorRate: scenario.fault.errorRate ?? 0,
      checkFloorSeconds: cfg.rollout.checkIntervalSeconds * consecutive,
      scrapeFloorSeconds: (cfg.local?.scrapeIntervalSeconds ?? 1) * consecutive,
      weights: atWeights,
    };
  } finally {
    await load.stop();
    await env.stop();
  }
}

function liveTable(measured: Awaited<ReturnType<typeof live>>): string {
  const rows = [
    [
      "fault at",
      "runs",
      "reverted",
      "fault -> 0%: median (range)",
      "floor: check x N",
      "floor: scrape x N",
      "failed canary requests: median (range)",
      "~ at the check floor",
    ],
  ];
  for (const weight of measured.weights) {
    const runs = measured.results.filter((r) => r.faultAtWeight === weight);
    const latency = runs.map((r) => r.breachToRevertSeconds).filter((v): v is number => v !== null);
    const failed = runs.map((r) => r.failedCanaryRequests).filter((v): v is number => v !== null);
    const expected = measured.errorRate * measured.rps * (weight / 100) * measured.checkFloorSeconds;
    rows.push([
      `${weight}%`,
      String(runs.length),
      String(runs.filter((r) => r.exitCode === 2).length),
      latency.length
        ? `${median(latency)?.toFixed(1)} s (${Math.min(...latency).toFixed(1)}-${Math.max(...latency).toFixed(1)})`
        : "-",
      `${measured.checkFloorSeconds} s`,
      `${measured.scrapeFloorSeconds} s`,
      failed.length ? `${median(failed)} (${Math.min(...failed)}-${Math.max(...failed)})` : "-",
      `~${Math.round(expected)}`,
    ]);
  }
  return table(rows);
}

function populationTable(result: PopulationResult, relative: PopulationResult): string {
  const o = result.options;
  const rate = (k: number, n: number) => {
    const [lo, hi] = wilson95(k, n);
    return `${percent(k / n)} (${k}/${n}; 95% CI ${percent(lo)}-${percent(hi)})`;
  };
  const row = (name: string, r: PopulationResult["analysis"]) => [
    name,
    rate(r.falseReverts, o.canaries),
    rate(r.detections, o.canaries),
    r.meanChecksToDetect === null ? "-" : r.meanChecksToDetect.toFixed(1),
  ];
  return table([
    ["rule", "false reverts (healthy)", "detections (degraded)", "mean checks to detect"],
    row("runbook: > 1% in 3 checks in a row", result.plainRule),
    row("ion-rollout analysis (prod thresholds)", result.analysis),
    row("  + compareToStable (2x, 99%)", relative.analysis),
  ]);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "3" },
      weights: { type: "string" },
      canaries: { type: "string", default: "100" },
      checks: { type: "string", default: "60" },
      seed: { type: "string", default: "1" },
      "simulation-only": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const started = Date.now();
  const output: Record<string, unknown> = { at: new Date().toISOString() };

  // (c) first: pure and quick.
  const prod = loadStageConfig("prod", join(PROJECT_DIR, "Pulumi.prod.yaml"));
  const populationOptions = {
    cfg: prod,
    canaries: Number(values.canaries),
    baselineErrorRate: 0.005,
    degradedFactor: 3,
    requestsPerCheck: 15,
    checks: Number(values.checks),
    seed: Number(values.seed),
  };
  const population = judgePopulation(populationOptions);
  const larger = { canaries: 2_000, seed: populationOptions.seed + 100 };
  const large = judgePopulation({ ...populationOptions, ...larger });
  // The optional canary-vs-stable test (thresholds.errorRate.compareToStable), on the same draws.
  const relativeCfg = {
    ...prod,
    thresholds: {
      ...prod.thresholds,
      errorRate: { ...prod.thresholds.errorRate, compareToStable: { worseByFactor: 2, confidence: 0.99 } },
    },
  };
  const relative = judgePopulation({ ...populationOptions, cfg: relativeCfg });
  const relativeLarge = judgePopulation({ ...populationOptions, ...larger, cfg: relativeCfg });
  output.population = { ...population, withCompareToStable: relative.analysis };
  output.populationLarge = { ...large, withCompareToStable: relativeLarge.analysis };

  let liveText = "(skipped: --simulation-only)";
  if (!values["simulation-only"]) {
    const weights = values.weights?.split(",").map(Number);
    const measured = await live(Number(values.runs), weights);
    liveText = liveTable(measured);
    output.live = {
      stage: "rehearsal",
      requestsPerSecond: measured.rps,
      checkIntervalSeconds: measured.cfg.rollout.checkIntervalSeconds,
      scrapeIntervalSeconds: measured.cfg.local?.scrapeIntervalSeconds,
      consecutive: measured.cfg.thresholds.errorRate.consecutive,
      fault: { errorRate: measured.errorRate },
      checkFloorSeconds: measured.checkFloorSeconds,
      scrapeFloorSeconds: measured.scrapeFloorSeconds,
      runs: measured.results satisfies LiveRun[],
      medians: Object.fromEntries(
        measured.weights.map((w) => {
          const runs = measured.results.filter((r) => r.faultAtWeight === w);
          return [
            `${w}%`,
            {
              breachToRevertSeconds: median(
                runs.map((r) => r.breachToRevertSeconds).filter((v): v is number => v !== null),
              ),
              failedCanaryRequests: median(
                runs.map((r) => r.failedCanaryRequests).filter((v): v is number => v !== null),
              ),
            },
          ];
        }),
      ),
    };
  }

  const o = population.options;
  process.stdout.write(
    [
      "",
      "(a, b) Breach to revert on the rehearsal environment (real HAProxy, Prometheus, ion-rollout CLI)",
      liveText,
      "",
      `(c) Low-traffic canaries: ${o.canaries} healthy (${percent(o.baselineErrorRate)} errors) and ${o.canaries} degraded (${o.degradedFactor}x), ${o.requestsPerCheck} requests per check, watched ${o.checks} checks`,
      populationTable(population, relative),
      "",
      `    the same with ${large.options.canaries} canaries per group:`,
      populationTable(large, relativeLarge),
      "",
    ].join("\n"),
  );
  output.seconds = (Date.now() - started) / 1000;
  mkdirSync(join(PROJECT_DIR, "reports"), { recursive: true });
  const file = join(PROJECT_DIR, "reports", "bench.json");
  writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);
  process.stdout.write(`written: reports/bench.json (${(output.seconds as number).toFixed(0)} s)\n`);
  // Only a run with the live part is what docs/ tables are generated from (`npm run bench:docs`).
  if (output.live) {
    const argv = process.argv.slice(2).join(" ");
    const command = `npm run bench${argv ? ` -- ${argv}` : ""}`;
    writeFileSync(LIVE_FILE, `${JSON.stringify({ command, ...output }, null, 1)}\n`);
    process.stdout.write("written: bench/results/live.json\n");
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    log(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
