import { resolve } from "node:path";
import { IMAGE_REF_RULE, isImageRef, type StageConfig } from "../../config";
import { RolloutRefused, type RunOptions, runRollout } from "../controller/runner";
import { runnerOnTarget } from "../controller/traffic-lease";
import type { RunResult } from "../core/events";
import { EXIT } from "../core/outcome";
import type { DecisionRecord } from "../core/record";
import type { RolloutState } from "../core/state";
import { loadEdges } from "../edges/load";
import { progressMode, progressPrinter } from "../report/progress";
import { writeReports } from "../report/report-files";
import { LeaseHeldError, LeaseLostError } from "../store/lease";
import type { RolloutRecords } from "../store/rollout-records";
import {
  type CommonOptions,
  fail,
  leaseScopeOf,
  loadConfig,
  projectDirOf,
  recordsOf,
  type Streams,
  stateDirOf,
} from "./common";
import { guardProcess } from "./interrupts";
import { operatorAction } from "./operator";
import { defaultOperatorEdges, type OperatorEdges } from "./operator-edges";
import { preflight } from "./preflight";
import { isReleaseName, nextReleases } from "./release-name";

/** `start` and `resume`: drive a rollout with the stage's edges until an outcome, then write the report. */

/** The runner's clock and sleep: real time unless a test drives fake time. */
export type DriveTime = Pick<RunOptions, "clock" | "sleep">;

async function drive(
  cfg: StageConfig,
  mode: "start" | "resume",
  options: CommonOptions,
  io: Streams,
  releases?: RolloutState["releases"],
  time: DriveTime = {},
): Promise<number> {
  const dir = stateDirOf(cfg, options);
  const records = recordsOf(cfg, options);
  // The metrics queries select each side by release name: use the rollout's releases, not the file's.
  const rolloutReleases = releases ?? (await records.readState())?.releases;
  if (rolloutReleases) cfg = { ...cfg, releases: rolloutReleases };
  const { buildEdges } = loadEdges();
  const projectDir = projectDirOf(options);
  const edges = await buildEdges(cfg, {
    workDir: projectDir,
    onOutput: (text) => io.err(text),
    log: (message) => io.err(`${message}\n`),
  });
  const onInterrupt = options.onInterrupt ?? "revert";
  const guard = guardProcess(io, onInterrupt);
  io = guard.io;
  const printer = progressPrinter(progressMode(options.json, io.isTTY), io.out, io.columns);
  let result: RunResult;
  try {
    result = await runRollout({
      cfg,
      driver: edges.driver,
      metrics: edges.metrics,
      notifier: edges.notifier,
      stateDir: dir,
      records,
      projectDir,
      mode,
      ...(releases ? { releases } : {}),
      signal: guard.signal,
      onInterrupt,
      onEvent: printer,
      ...edges.gates,
      ...time,
    });
  } catch (error) {
    if (error instanceof RolloutRefused || error instanceof LeaseHeldError || error instanceof LeaseLostError)
      return fail(io, error.message);
    throw error;
  } finally {
    guard.dispose();
  }
  await reportAfterRun(dir, records, result.state, io);
  return result.exitCode;
}

/**
 * Writes the rollout's report from its journal. A store that cannot be read now (a bucket's 5xx)
 * costs the report, never the rollout's exit code: the records stay in the store for `explain`.
 */
async function reportAfterRun(dir: string, records: RolloutRecords, state: RolloutState, io: Streams) {
  let journal: DecisionRecord[];
  try {
    journal = await records.readJournal(state.id);
  } catch (error) {
    io.err(
      `no report written: could not read the journal in ${records.description} (${(error as Error).message}); \`ion-rollout explain ${state.stage}\` shows it once the store answers\n`,
    );
    return;
  }
  const written = writeReports(resolve(dir, "reports"), state, journal);
  io.err(`report: ${written.markdown}\n        ${written.html}\n`);
}

export async function startCommand(
  stage: string,
  options: CommonOptions & { image: string; name?: string },
  io: Streams,
  time: DriveTime = {},
  check: (cfg: StageConfig, projectDir: string) => Promise<string[]> = (cfg, projectDir) =>
    preflight(cfg, undefined, projectDir),
): Promise<number> {
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  if (!isImageRef(options.image))
    return fail(io, `--image ${JSON.stringify(options.image)} is not ${IMAGE_REF_RULE}`);
  const previous = await recordsOf(cfg, options).readState();
  const releases = nextReleases(cfg, options.image, options.name, previous);
  if (!isReleaseName(releases.canary.name)) {
    return fail(
      io,
      `release name "${releases.canary.name}" must be a lowercase DNS label (a-z, 0-9, '-', <= 63 chars); pass --name`,
    );
  }
  if (releases.canary.name === releases.stable.name) {
    return fail(
      io,
      `the canary's name "${releases.canary.name}" is the stable's; pass --name with a new one`,
    );
  }
  // Refused here, nothing is locked, recorded or applied: the previous rollout's state stays as it was.
  const problems = await check(cfg, projectDirOf(options));
  if (problems.length > 0)
    return fail(io, problems.map((problem) => `start refused, nothing applied: ${problem}`).join("\n"));
  return drive(cfg, "start", options, io, releases, time);
}

export async function resumeCommand(
  stage: string,
  options: CommonOptions,
  io: Streams,
  time: DriveTime = {},
  edges: OperatorEdges = defaultOperatorEdges,
): Promise<number> {
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  if (await pausedUnderLiveRunner(cfg, options))
    return operatorAction({ action: "resume" }, stage, options, io, edges);
  return drive(cfg, "resume", options, io, undefined, time);
}

/** A paused rollout whose runner is alive: `resume` asks that runner to go on instead of driving. */
async function pausedUnderLiveRunner(cfg: StageConfig, options: CommonOptions): Promise<boolean> {
  if (!(await runnerOnTarget(leaseScopeOf(cfg, options))).alive) return false;
  try {
    return (await recordsOf(cfg, options).readState())?.pausedBy !== undefined;
  } catch {
    return false;
  }
}
