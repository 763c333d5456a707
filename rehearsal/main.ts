import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadStageConfig, type Release, type StageConfig } from "../src/config";
import { buildPlan } from "../src/rollout/core/plan";
import { type Environment, startEnvironment } from "./environment";
import { type FaultyRolloutResult, runFaultyRollout } from "./faulty-rollout";
import { type Load, type LoadCounts, startLoad } from "./load";
import { stopRecorded } from "./pidfile";
import { ensurePrerequisites } from "./prerequisites";
import { describeAgreement, type ReplayAgreement, recordBadReleaseTrace } from "./record-trace";
import { type RefusedRolloutResult, runRefusedRollout } from "./refused-rollout";
import { type CliRun, runCli } from "./runner-cli";
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
  const args = ["start", STAGE, "--image", release.image, "--name", release.name];
  if (configFile) args.push("--config", configFile);
  say(`ion-rollout ${args.join(" ")}  (steps ${cfg.rollout.steps.join(" -> ")}%)`);
  const started = Date.now();
  const run = runCli(PROJECT_DIR, args, { inherit: true });
  track(run);
  const exitCode = await run.exited;
  track(undefined);
  return { exitCode, ms: Date.now() - started };
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
        : `${bad.breachToRevertSeconds.toFixed(1)} s (fault at ${bad.faultInjectedAtWeight}%; floor ${summary.floorSeconds} s)`,
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

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      keep: { type: "boolean", default: false },
      stop: { type: "boolean", default: false },
      config: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const wallStart = Date.now();
  const configFile = values.config ? resolve(values.config) : undefined;
  const cfg = loadStageConfig(STAGE, configFile ?? join(PROJECT_DIR, "Pulumi.rehearsal.yaml"));
  const pidFile = join(WORK_DIR, "pids.json");
  const leftovers = await stopRecorded(pidFile);
  if (leftovers.length > 0) say(`stopped an environment left by --keep: ${leftovers.join(", ")}`);
  if (values.stop) return 0;

  ensurePrerequisites(say);
  const stateDir = resolve(PROJECT_DIR, cfg.rollout.stateDir);
  // A rehearsal starts from the stage file's releases, not from an earlier run's state.
  rmSync(stateDir, { recursive: true, force: true });

  // Ctrl-C reaches the CLI child too (same terminal process group): it reverts and exits, then we
  // clean up. SIGTERM is passed on. A second signal stops everything at once.
  let current: CliRun | undefined;
  let interrupted = false;
  let firstSignalAt = 0;
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
  const track = (run: CliRun | undefined) => {
    current = run;
  };
  const checkInterrupt = () => {
    if (interrupted) throw new Interrupted("interrupted");
  };

  const scenario = defaultScenario(cfg.releases.canary);
  const plan = buildPlan(cfg);
  const errorRule = cfg.thresholds.errorRate;
  // Sequential: one check interval plus one scrape; consecutive: interval x checks in a row.
  const floorSeconds =
    cfg.rollout.analysis === "sequential"
      ? plan.checkIntervalSeconds + (cfg.local?.scrapeIntervalSeconds ?? 1)
      : plan.checkIntervalSeconds * (errorRule.consecutive ?? 1);
  say(
    `starting on 127.0.0.1: apps :${cfg.local?.appPorts.join(", :")}, HAProxy :${cfg.local?.frontendPort}, Prometheus ${cfg.local?.prometheusUrl}`,
  );
  let env: Environment | undefined;
  let load: Load | undefined;
  let good: RolloutSummary | undefined;
  let bad: BadRolloutSummary | undefined;
  let refused: RefusedRolloutSummary | undefined;
  let loadCounts: LoadCounts | undefined;
  let replay: ReplayAgreement | undefined;
  let ok = false;
  try {
    env = await startEnvironment({ cfg, workDir: WORK_DIR, projectDir: PROJECT_DIR, log: say });
    checkInterrupt();
    const rps = env.layout.local.loadRequestsPerSecond;
    load = startLoad({ url: `${env.layout.frontendUrl}/`, requestsPerSecond: rps });
    say(`user traffic: ${rps} requests/s through HAProxy ${env.layout.frontendUrl}`);

    say(`rollout 1: ${scenario.good.name} over ${cfg.releases.stable.name}, healthy`);
    const first = await rollout(cfg, configFile, scenario.good, track);
    good = {
      release: scenario.good.name,
      exitCode: first.exitCode,
      outcome: OUTCOMES[first.exitCode] ?? `exit ${first.exitCode}`,
      seconds: first.ms / 1000,
    };
    checkInterrupt();
    if (first.exitCode !== 0) throw new Error(`rollout 1 should have promoted; it ended ${good.outcome}`);

    await env.adoptCanaryAsStable();
    say(`${scenario.good.name} is stable; deploying ${scenario.bad.name} beside it at 0%`);
    await env.deployCanary(scenario.bad);
    checkInterrupt();

    say(`rollout 2: ${scenario.bad.name}, which fails once it takes ${scenario.faultAtWeight}% of traffic`);
    say(`ion-rollout start ${STAGE} --image ${scenario.bad.image} --name ${scenario.bad.name}`);
    const result = await runFaultyRollout({
      env,
      projectDir: PROJECT_DIR,
      release: scenario.bad,
      faultAtWeight: scenario.faultAtWeight,
      fault: scenario.fault,
      cliArgs: configFile ? ["--config", configFile] : [],
      inherit: true,
      onRun: track,
      // On a terminal the runner redraws its live view in place; a line of ours would tear it.
      // The summary says when the fault came on.
      onFault: (weight) => {
        if (!process.stderr.isTTY) {
          say(`canary ${scenario.bad.name} at ${weight}%: fault on (${JSON.stringify(scenario.fault)})`);
        }
      },
    });
    const { output: _inherited, ...measured } = result;
    bad = {
      ...measured,
      release: scenario.bad.name,
      outcome: OUTCOMES[result.exitCode] ?? `exit ${result.exitCode}`,
    };
    checkInterrupt();
    if (bad.exitCode !== 2) throw new Error(`rollout 2 should have been reverted; it ended ${bad.outcome}`);

    say("recording rollout 2's trace from Prometheus and replaying it (backtest)");
    replay = await recordBadReleaseTrace({
      cfg,
      configFile,
      projectDir: PROJECT_DIR,
      stateDir,
      reportsDir: REPORTS_DIR,
      stage: STAGE,
      say,
    });
    process.stderr.write(`\n${replay.comparison}\n`);
    if (!replay.agrees)
      throw new Error(
        `the recorded trace does not replay to the live decision: ${describeAgreement(replay)}`,
      );

    say(
      `deploying ${scenario.refused.name} at 0%; its /health answers 503 (${JSON.stringify(scenario.refusedFault)})`,
    );
    await env.deployCanary(scenario.refused);
    checkInterrupt();
    say(`rollout 3: ${scenario.refused.name}, which must be refused by the pre-traffic gate`);
    const third = await runRefusedRollout({
      env,
      projectDir: PROJECT_DIR,
      release: scenario.refused,
      fault: scenario.refusedFault,
      stateDir,
      cliArgs: configFile ? ["--config", configFile] : [],
      inherit: true,
      onRun: track,
    });
    refused = {
      ...third,
      release: scenario.refused.name,
      outcome: OUTCOMES[third.exitCode] ?? `exit ${third.exitCode}`,
    };
    checkInterrupt();
    if (third.exitCode !== 2 || !third.decision?.startsWith("pre-traffic NO-GO")) {
      throw new Error(
        `rollout 3 should have been refused before traffic; it ended ${refused.outcome}: ${third.decision}`,
      );
    }
    if (third.userRequestsServed !== 0 || third.haproxySessions !== 0) {
      throw new Error(
        `rollout 3's canary served ${third.userRequestsServed} user requests; it should have served none`,
      );
    }
    ok = true;
  } catch (error) {
    if (error instanceof Interrupted) say("interrupted; stopping");
    else say(`failed: ${(error as Error).message}`);
  } finally {
    loadCounts = await load?.stop();
    const reports = copyReports(stateDir);
    const wallSeconds = (Date.now() - wallStart) / 1000;
    printSummary({ wallSeconds, good, bad, refused, load: loadCounts, floorSeconds, reports, replay });
    mkdirSync(REPORTS_DIR, { recursive: true });
    writeFileSync(
      join(REPORTS_DIR, "rehearsal-summary.json"),
      `${JSON.stringify({ ok, wallSeconds, floorSeconds, good, bad, refused, load: loadCounts, reports, replay }, null, 2)}\n`,
    );
    if (env && values.keep && !interrupted) {
      env.keep();
      const { layout } = env;
      process.stderr.write(
        [
          "left running (--keep); stop with `npm run rehearse -- --stop`:",
          `  traffic      ${layout.frontendUrl}/   (try: npx autocannon -R 100 -d 30 ${layout.frontendUrl}/)`,
          `  HAProxy      ${layout.statsUrl}  (stats)   runtime API: echo "get weight ${layout.local.backend}/${layout.local.canaryServer}" | socat - ${layout.haproxySocket}`,
          `  Prometheus   ${layout.prometheusUrl}/graph`,
          `  stable app   ${env.sides.stable.url}/metrics   canary app ${env.sides.canary.url}/metrics`,
          `  faults       curl -XPOST -d '{"errorRate":0.05}' ${env.sides.canary.url}/admin/faults`,
          `  rollout      npx ion-rollout status ${STAGE}; npx ion-rollout explain ${STAGE}`,
          `  logs         ${layout.logDir}`,
          "",
        ].join("\n"),
      );
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
