import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadStageConfig, type Release, type StageConfig } from "../src/config";
import { outcomeWord } from "../src/rollout/core/outcome-word";
import { buildPlan } from "../src/rollout/core/plan";
import { recordsInDirectory } from "../src/rollout/store/local-records";
import { NO_FAULTS } from "./app/faults";
import { appStats, localAppsOf, setFaults } from "./apps";
import { type Environment, startEnvironment } from "./environment";
import { type FaultyRolloutResult, runFaultyRollout } from "./faulty-rollout";
import { layoutFor } from "./layout";
import { type Load, type LoadCounts, startLoad } from "./load";
import { stopRecorded } from "./pidfile";
import { ensurePrerequisites } from "./prerequisites";
import { describeAgreement, type ReplayAgreement, recordBadReleaseTrace } from "./record-trace";
import { type RefusedRolloutResult, runRefusedRollout } from "./refused-rollout";
import { type CliRun, startRelease } from "./runner-cli";
import { defaultScenario } from "./scenario";

/**
 * `npm run rehearse`: the release day, locally and for real. Starts two app revisions, HAProxy and
 * Prometheus on loopback, sends steady traffic, and drives two rollouts with the real
 * `ion-rollout` CLI and the rehearsal stage file: a good release promoted to 100%, then a bad one
 * that starts failing at a chosen step and is reverted, then one whose canary fails the pre-traffic
 * gate and is refused before it takes any traffic. Writes the reports, prints the numbers,
 * and stops every process it started (also on Ctrl-C and on failure) unless `--keep`.
 */

const USAGE = `usage: npm run rehearse [-- --keep] [-- --stop] [-- --config FILE]
  --keep         leave HAProxy, Prometheus and the apps running afterwards, and print their URLs
  --stop         stop an environment an earlier --keep left running, then exit
  --config FILE  the stage file (default Pulumi.rehearsal.yaml; platform must be local)`;

const STAGE = "rehearsal";
const PROJECT_DIR = resolve(__dirname, "..");
const WORK_DIR = join(PROJECT_DIR, ".rehearsal");
const REPORTS_DIR = join(PROJECT_DIR, "reports");
const REHEARSAL_RESULT = join(PROJECT_DIR, "bench", "results", "rehearsal.json");

function say(line: string): void {
  process.stderr.write(`\x1b[1mrehearsal:\x1b[0m ${line}\n`);
}

interface RolloutSummary {
  release: string;
  exitCode: number;
  outcome: string;
  seconds: number;
}

type BadRolloutSummary = RolloutSummary & Omit<FaultyRolloutResult, "output">;
type RefusedRolloutSummary = RolloutSummary & RefusedRolloutResult;

const OUTCOMES: Record<number, string> = { 0: "promoted", 1: "error", 2: "reverted", 3: "held" };

class Interrupted extends Error {
  override name = "Interrupted";
}

async function rollout(
  cfg: StageConfig,
  configFile: string | undefined,
  release: Release,
  track: (run: CliRun | undefined) => void,
): Promise<{ exitCode: number; ms: number }> {
  const cliArgs = configFile ? ["--config", configFile] : [];
  const shown = ["start", STAGE, "--image", release.image, "--name", release.name, ...cliArgs];
  say(`ion-rollout ${shown.join(" ")}  (steps ${cfg.rollout.steps.join(" -> ")}%)`);
  return startRelease({ projectDir: PROJECT_DIR, release, cliArgs, inherit: true, onRun: track });
}

function copyReports(stateDir: string): string[] {
  const from = join(stateDir, "reports");
  if (!existsSync(from)) return [];
  mkdirSync(REPORTS_DIR, { recursive: true });
  return readdirSync(from)
    .filter((name) => /\.(md|html)$/.test(name))
    .map((name) => {
      copyFileSync(join(from, name), join(REPORTS_DIR, name));
      return join("reports", name);
    });
}

function printSummary(summary: {
  wallSeconds: number;
  good?: RolloutSummary;
  bad?: BadRolloutSummary;
  refused?: RefusedRolloutSummary;
  load?: LoadCounts;
  floorSeconds: number;
  reports: string[];
  replay?: ReplayAgreement;
}): void {
  const rows: [string, string][] = [["wall time", `${summary.wallSeconds.toFixed(1)} s`]];
  if (summary.good) {
    rows.push([
      `rollout 1 ${summary.good.release}`,
      `${summary.good.outcome} in ${summary.good.seconds.toFixed(1)} s`,
    ]);
  }
  if (summary.bad) {
    const bad = summary.bad;
    rows.push([`rollout 2 ${bad.release}`, `${bad.outcome} in ${bad.seconds.toFixed(1)} s`]);
    rows.push([
      "fault to canary weight 0",
      bad.breachToRevertSeconds === null
        ? "-"
        : `${bad.breachToRevertSeconds.toFixed(1)} s (fault at ${bad.faultInjectedAtWeight}%; expected within ${summary.floorSeconds} s)`,
    ]);
    rows.push([
      "5xx served by the bad canary",
      bad.failedCanaryRequests === null ? "-" : String(bad.failedCanaryRequests),
    ]);
  }
  if (summary.refused) {
    const r = summary.refused;
    rows.push([`rollout 3 ${r.release}`, `${r.outcome} in ${r.seconds.toFixed(1)} s: ${r.decision ?? "-"}`]);
    rows.push([
      "user requests to rollout 3",
      `${r.userRequestsServed} served by it (app), ${r.haproxySessions} of ${r.haproxySessionsAll} HAProxy sessions, Prometheus request_count ${r.prometheusRequests ?? "-"}`,
    ]);
  }
  if (summary.load) {
    const l = summary.load;
    rows.push([
      "user requests",
      `${l.sent} sent, ${l.ok} ok, ${l.serverErrors} 5xx, ${l.failed} without answer`,
    ]);
  }
  if (summary.replay) {
    rows.push(["trace of rollout 2", summary.replay.trace]);
    rows.push(["its replay vs the live run", describeAgreement(summary.replay)]);
  }
  for (const report of summary.reports) rows.push(["report", report]);
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stderr.write(`\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n")}\n\n`);
}

/** Signals while the rehearsal runs: Ctrl-C lets the runner revert first; a second one stops all. */
interface SignalWatch {
  track: (run: CliRun | undefined) => void;
  checkInterrupt: () => void;
  interrupted: () => boolean;
}

function watchSignals(): SignalWatch {
  let current: CliRun | undefined;
  let interrupted = false;
  let firstSignalAt = 0;
  // Ctrl-C reaches the CLI child too (same terminal process group): it reverts and exits, then we
  // clean up. SIGTERM is passed on. A second signal stops everything at once.
  const onSignal = (signal: NodeJS.Signals) => {
    // One Ctrl-C can arrive twice: from the terminal and relayed by the tsx/npm wrappers.
    if (interrupted && Date.now() - firstSignalAt < 1_500) return;
    if (interrupted) {
      say(`${signal} again: stopping everything now`);
      current?.child.kill("SIGKILL");
      process.exit(130);
    }
    interrupted = true;
    firstSignalAt = Date.now();
    say(`${signal}: the runner stops at its next safe point; then everything is stopped`);
    if (signal === "SIGTERM") current?.child.kill("SIGTERM");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    track: (run) => {
      current = run;
    },
    checkInterrupt: () => {
      if (interrupted) throw new Interrupted("interrupted");
    },
    interrupted: () => interrupted,
  };
}

/** What every act of the rehearsal works with. */
interface Stage {
  cfg: StageConfig;
  configFile: string | undefined;
  stateDir: string;
  env: Environment;
  scenario: ReturnType<typeof defaultScenario>;
  signals: SignalWatch;
}

interface Results {
  good?: RolloutSummary;
  bad?: BadRolloutSummary;
  refused?: RefusedRolloutSummary;
  replay?: ReplayAgreement;
}

const cliArgsOf = (stage: Stage) => (stage.configFile ? ["--config", stage.configFile] : []);

/** Rollout 1: a healthy release, promoted; then it becomes the stable side. */
async function goodAct(stage: Stage, results: Results): Promise<void> {
  const { cfg, configFile, env, scenario, signals } = stage;
  say(`rollout 1: ${scenario.good.name} over ${cfg.releases.stable.name}, healthy`);
  const first = await rollout(cfg, configFile, scenario.good, signals.track);
  const outcome = OUTCOMES[first.exitCode] ?? `exit ${first.exitCode}`;
  results.good = { release: scenario.good.name, exitCode: first.exitCode, outcome, seconds: first.ms / 1000 };
  signals.checkInterrupt();
  if (first.exitCode !== 0) throw new Error(`rollout 1 should have promoted; it ended ${outcome}`);
  await env.adoptCanaryAsStable(scenario.good);
}

/** Rollout 2: a release that fails once it takes its fault weight, reverted by the runner. */
async function badAct(stage: Stage, results: Results): Promise<void> {
  const { env, scenario, signals } = stage;
  say(
    `rollout 2: ${scenario.bad.name} over ${scenario.good.name}, which fails once it takes ${scenario.faultAtWeight}% of traffic`,
  );
  say(`ion-rollout start ${STAGE} --image ${scenario.bad.image} --name ${scenario.bad.name}`);
  const result = await runFaultyRollout({
    env,
    projectDir: PROJECT_DIR,
    release: scenario.bad,
    faultAtWeight: scenario.faultAtWeight,
    fault: scenario.fault,
    cliArgs: cliArgsOf(stage),
    inherit: true,
    onRun: signals.track,
    // On a terminal the runner redraws its live view in place; a line of ours would tear it.
    // The summary says when the fault came on.
    onFault: (weight) => {
      if (!process.stderr.isTTY) {
        say(`canary ${scenario.bad.name} at ${weight}%: fault on (${JSON.stringify(scenario.fault)})`);
      }
    },
  });
  const { output: _inherited, ...measured } = result;
  const outcome = OUTCOMES[result.exitCode] ?? `exit ${result.exitCode}`;
  results.bad = { ...measured, release: scenario.bad.name, outcome };
  signals.checkInterrupt();
  if (result.exitCode !== 2) throw new Error(`rollout 2 should have been reverted; it ended ${outcome}`);
}

/** Rollout 2's trace recorded from the real Prometheus, replayed, and compared with the runbook rule. */
async function replayAct(stage: Stage, results: Results): Promise<void> {
  say("recording rollout 2's trace from Prometheus and replaying it (backtest)");
  const replay = await recordBadReleaseTrace({
    cfg: stage.cfg,
    configFile: stage.configFile,
    projectDir: PROJECT_DIR,
    stateDir: stage.stateDir,
    reportsDir: REPORTS_DIR,
    stage: STAGE,
    say,
  });
  results.replay = replay;
  process.stderr.write(`\n${replay.comparison}\n`);
  if (!replay.agrees)
    throw new Error(`the recorded trace does not replay to the live decision: ${describeAgreement(replay)}`);
}

/** Rollout 3: a canary whose /health fails, refused by the pre-traffic gate with no user served. */
async function refusedAct(stage: Stage, results: Results): Promise<void> {
  const { env, scenario, signals } = stage;
  // The previous canary (rollout 2's, reverted) is made healthy again: today's order would let the
  // gate pass on it; the runner must deploy the new release first and ask *it*.
  await setFaults(env.sides.canary, NO_FAULTS);
  const previous = await appStats(env.sides.canary);
  say(`the previous canary ${previous.revisionName} is healthy again (faults off)`);
  signals.checkInterrupt();
  say(
    `rollout 3: ${scenario.refused.name} (${scenario.refused.image}: its /health answers 503, local.images), which must be refused by the pre-traffic gate`,
  );
  const third = await runRefusedRollout({
    env,
    projectDir: PROJECT_DIR,
    release: scenario.refused,
    stateDir: stage.stateDir,
    cliArgs: cliArgsOf(stage),
    inherit: true,
    onRun: signals.track,
  });
  // The state says whether the canary ever took traffic: a revert before any is a refusal.
  const state = await recordsInDirectory(stage.stateDir, STAGE).readState();
  const outcome = state
    ? outcomeWord(state).toLowerCase()
    : (OUTCOMES[third.exitCode] ?? `exit ${third.exitCode}`);
  results.refused = { ...third, release: scenario.refused.name, outcome };
  signals.checkInterrupt();
  if (third.exitCode !== 2 || !third.decision?.startsWith("pre-traffic NO-GO")) {
    throw new Error(
      `rollout 3 should have been refused before traffic; it ended ${outcome}: ${third.decision}`,
    );
  }
  if (third.userRequestsServed !== 0 || third.haproxySessions !== 0) {
    throw new Error(
      `rollout 3's canary served ${third.userRequestsServed} user requests; it should have served none`,
    );
  }
}

/** How to look around an environment left running with --keep. */
function keepHints(env: Environment): string {
  const { layout } = env;
  return [
    "left running (--keep); stop with `npm run rehearse -- --stop`:",
    `  traffic      ${layout.frontendUrl}/   (try: npx autocannon -R 100 -d 30 ${layout.frontendUrl}/)`,
    `  HAProxy      ${layout.statsUrl}  (stats)   runtime API: echo "get weight ${layout.local.backend}/${layout.local.canaryServer}" | socat - ${layout.haproxySocket}`,
    `  Prometheus   ${layout.prometheusUrl}/graph`,
    ...(layout.local.cloudMonitoring
      ? [
          `  Monitoring   ${layout.local.cloudMonitoring.url}/v3/projects/${layout.local.cloudMonitoring.project}/timeSeries (timeSeries.list: filter, interval.startTime/endTime, aggregation.alignmentPeriod, aggregation.perSeriesAligner=ALIGN_SUM)`,
        ]
      : []),
    `  stable app   ${env.sides.stable.url}/metrics   canary app ${env.sides.canary.url}/metrics`,
    `  faults       curl -XPOST -d '{"errorRate":0.05}' ${env.sides.canary.url}/admin/faults`,
    `  rollout      npx ion-rollout status ${STAGE}; npx ion-rollout explain ${STAGE}`,
    `  logs         ${layout.logDir}`,
    "",
  ].join("\n");
}

/**
 * The longest a fault should take to be reverted once it shows: sequential, one check interval plus
 * the time its first failed requests take to reach the counts (the fault may start just after a
 * check): a scrape, or through Cloud Monitoring's stand-in one sampling period and the ingestion
 * delay the runner waits out; else N checks in a row.
 */
function floorSecondsOf(cfg: StageConfig): number {
  const plan = buildPlan(cfg);
  const monitoring = cfg.local?.cloudMonitoring;
  const toCounts = monitoring
    ? monitoring.samplingPeriodSeconds + cfg.rollout.ingestionDelaySeconds
    : (cfg.local?.scrapeIntervalSeconds ?? 1);
  return cfg.rollout.analysis === "sequential"
    ? plan.checkIntervalSeconds + toCounts
    : plan.checkIntervalSeconds * (cfg.thresholds.errorRate.consecutive ?? 1);
}

function parseOptions() {
  return parseArgs({
    options: {
      keep: { type: "boolean", default: false },
      stop: { type: "boolean", default: false },
      config: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  }).values;
}

async function main(): Promise<number> {
  const values = parseOptions();
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const wallStart = Date.now();
  const configFile = values.config ? resolve(values.config) : undefined;
  const cfg = loadStageConfig(STAGE, configFile ?? join(PROJECT_DIR, "Pulumi.rehearsal.yaml"));
  const leftoverApps = await localAppsOf(layoutFor(cfg, WORK_DIR, PROJECT_DIR)).stopAll();
  const leftovers = [
    ...(await stopRecorded(join(WORK_DIR, "pids.json"))),
    ...leftoverApps.map((app) => `app ${app.revision} (pid ${app.pid})`),
  ];
  if (leftovers.length > 0) say(`stopped an environment left by --keep: ${leftovers.join(", ")}`);
  if (values.stop) return 0;
  ensurePrerequisites(say);
  const stateDir = resolve(PROJECT_DIR, cfg.rollout.stateDir);
  // A rehearsal starts from the stage file's releases, not from an earlier run's state.
  rmSync(stateDir, { recursive: true, force: true });
  const signals = watchSignals();
  const floorSeconds = floorSecondsOf(cfg);
  say(
    `starting on 127.0.0.1: apps :${cfg.local?.appPorts.join(", :")}, HAProxy :${cfg.local?.frontendPort}, Prometheus ${cfg.local?.prometheusUrl}`,
  );
  let env: Environment | undefined;
  let load: Load | undefined;
  const results: Results = {};
  let ok = false;
  try {
    env = await startEnvironment({ cfg, workDir: WORK_DIR, projectDir: PROJECT_DIR, log: say });
    signals.checkInterrupt();
    const rps = env.layout.local.loadRequestsPerSecond;
    load = startLoad({ url: `${env.layout.frontendUrl}/`, requestsPerSecond: rps });
    say(`user traffic: ${rps} requests/s through HAProxy ${env.layout.frontendUrl}`);
    const stage: Stage = {
      cfg,
      configFile,
      stateDir,
      env,
      scenario: defaultScenario(cfg.releases.canary),
      signals,
    };
    for (const act of [goodAct, badAct, replayAct, refusedAct]) await act(stage, results);
    ok = true;
  } catch (error) {
    if (error instanceof Interrupted) say("interrupted; stopping");
    else say(`failed: ${(error as Error).message}`);
  } finally {
    const loadCounts: LoadCounts | undefined = await load?.stop();
    const reports = copyReports(stateDir);
    const wallSeconds = (Date.now() - wallStart) / 1000;
    const summary = { wallSeconds, ...results, load: loadCounts, floorSeconds, reports };
    printSummary(summary);
    mkdirSync(REPORTS_DIR, { recursive: true });
    writeFileSync(
      join(REPORTS_DIR, "rehearsal-summary.json"),
      `${JSON.stringify({ ok, ...summary }, null, 2)}\n`,
    );
    // A run that passed is what README.md's rehearsal figures are generated from (`npm run bench:docs`).
    if (ok) {
      const at = new Date(wallStart).toISOString();
      writeFileSync(
        REHEARSAL_RESULT,
        `${JSON.stringify({ command: "npm run rehearse", at, ...summary }, null, 1)}\n`,
      );
    }
    if (env && values.keep && !signals.interrupted()) {
      env.keep();
      process.stderr.write(keepHints(env));
    } else {
      await env?.stop();
      say("every process it started is stopped");
    }
  }
  return ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    say(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
