import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import type { StageConfig } from "../../config";
import { freshState } from "../controller/prepare";
import type { RunResult } from "../core/events";
import { EXIT } from "../core/outcome";
import { REVERT_WEIGHT } from "../core/plan";
import { isActive, type RolloutState } from "../core/state";
import { writeReports } from "../report/report-files";
import { readJournal } from "../store/journal";
import {
  acquireLock,
  describeHolder,
  LockError,
  type LockHolder,
  lockTargetOf,
  processAlive,
  readLock,
} from "../store/lock";
import { takeRequest, writeRequest } from "../store/requests";
import { readState, setAsideState, UnreadableStateError } from "../store/state";
import { type CommonOptions, fail, loadConfig, type Streams, stateDirOf } from "./common";
import { defaultOperatorEdges, type OperatorEdges, operatorController, operatorName } from "./operator-edges";
import { formatStatus } from "./status";

export interface OperatorOptions extends CommonOptions {
  /** abort: if the live runner does not act within the wait, stop it and revert from here. */
  force?: boolean;
  /** How long to wait for a live runner to act on the request (default 120 s; 30 s with --force). */
  waitSeconds?: number;
}

/**
 * abort / promote. With a live runner on this host the request goes to it (it acts within a
 * second at its next safe point); otherwise this command takes the lock and acts through the
 * rollout controller, with the same retries, record, notification and report as the runner.
 * `abort --force` stops a runner that does not answer within the wait and takes its lock over.
 */
async function operatorAction(
  action: "abort" | "promote",
  stage: string,
  options: OperatorOptions,
  io: Streams,
  edges: OperatorEdges,
): Promise<number> {
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  const dir = stateDirOf(cfg, options);
  const target = lockTargetOf(cfg);
  const holder = readLock(dir, target);
  let stopped: number | undefined;
  if (holder && processAlive(holder.pid)) {
    const waitMs = (options.waitSeconds ?? (options.force ? 30 : 120)) * 1000;
    const answered = await askRunner(action, cfg, dir, io, holder, waitMs, edges);
    if (answered !== undefined) return answered;
    if (!(options.force && action === "abort")) {
      return fail(
        io,
        `the runner (${describeHolder(holder)}) did not act on the ${action} request within ${waitMs / 1000} s; \`ion-rollout abort ${stage} --force\` stops it and reverts from here`,
      );
    }
    stopped = stopWedgedRunner(holder, io);
  }
  let lock: ReturnType<typeof acquireLock>;
  try {
    lock = acquireLock(dir, target, {
      command: `ion-rollout ${action} ${stage}`,
      isAlive: (pid) => pid !== stopped && processAlive(pid),
    });
  } catch (error) {
    if (error instanceof LockError) return fail(io, error.message);
    throw error;
  }
  try {
    const state = await stateToActOn(action, cfg, dir, edges, io);
    const result = await actThroughController(action, cfg, dir, state, edges);
    writeReports(resolve(dir, "reports"), result.state, readJournal(dir, stage));
    io.out(formatStatus(cfg, result.state, edges.clock()));
    return result.outcome === "failed" ? EXIT.error : EXIT.ok;
  } finally {
    lock.release();
  }
}

/** abort --force: the runner did not answer; SIGKILL it so it can never apply a weight after us. */
function stopWedgedRunner(holder: LockHolder, io: Streams): number {
  io.err(
    `the runner (${describeHolder(holder)}) did not answer; --force: stopping it and reverting from here\n`,
  );
  try {
    process.kill(holder.pid, "SIGKILL");
  } catch {
    // Gone meanwhile.
  }
  return holder.pid;
}

/**
 * The state the action is recorded in. An unreadable state file blocks a promote; an abort moves
 * it aside and records in a fresh state at the weight the platform serves, saying what it found.
 */
async function stateToActOn(
  action: "abort" | "promote",
  cfg: StageConfig,
  dir: string,
  edges: OperatorEdges,
  io: Streams,
): Promise<RolloutState> {
  try {
    const stored = readState(dir, cfg.stage);
    if (stored) return stored;
  } catch (error) {
    if (!(error instanceof UnreadableStateError) || action !== "abort") throw error;
    const movedTo = setAsideState(dir, cfg.stage, edges.clock());
    io.err(
      `found an unreadable rollout state (${error.problem}); moved it to ${movedTo} and recording this abort in a fresh state\n`,
    );
  }
  const served = await (await edges.driverFor(cfg)).currentCanaryWeight().catch(() => undefined);
  return freshState(cfg.stage, cfg.releases, edges.clock(), served ?? cfg.canaryWeight);
}

async function actThroughController(
  action: "abort" | "promote",
  cfg: StageConfig,
  dir: string,
  state: RolloutState,
  edges: OperatorEdges,
): Promise<RunResult> {
  const by = operatorName(action);
  const controller = await operatorController(cfg, dir, state, edges);
  if (action === "abort") {
    const reason = `aborted by ${by}`;
    return controller.revert(reason, controller.recordAction("revert", reason, REVERT_WEIGHT));
  }
  const seq = controller.recordAction("promote", `promoted by ${by} (remaining steps skipped)`, 100);
  return controller.promote(`promoted by ${by}`, seq);
}

/** Leaves a request for the live runner and waits for the rollout to end; undefined if it did not. */
async function askRunner(
  action: "abort" | "promote",
  cfg: StageConfig,
  dir: string,
  io: Streams,
  holder: LockHolder,
  waitMs: number,
  edges: OperatorEdges,
): Promise<number | undefined> {
  writeRequest(dir, cfg.stage, { action, at: edges.clock(), by: operatorName(action) });
  io.err(`asked the runner (${describeHolder(holder)}) to ${action}; waiting for it...\n`);
  const deadline = edges.clock() + waitMs;
  while (edges.clock() < deadline) {
    const state = readStateIfReadable(dir, cfg.stage);
    if (state && !isActive(state)) {
      io.out(formatStatus(cfg, state, edges.clock()));
      return state.status === "failed" ? EXIT.error : EXIT.ok;
    }
    if (!processAlive(holder.pid)) break;
    await edges.sleep(250);
  }
  takeRequest(dir, cfg.stage);
  return undefined;
}

/** A state a live runner may be replacing right now; unreadable counts as "not yet". */
function readStateIfReadable(dir: string, stage: string): RolloutState | undefined {
  try {
    return readState(dir, stage);
  } catch {
    return undefined;
  }
}

export async function abortCommand(
  stage: string,
  options: OperatorOptions,
  io: Streams,
  edges: OperatorEdges = defaultOperatorEdges,
): Promise<number> {
  return operatorAction("abort", stage, options, io, edges);
}

export async function promoteCommand(
  stage: string,
  options: CommonOptions & { yes?: boolean },
  io: Streams,
  edges: OperatorEdges = defaultOperatorEdges,
): Promise<number> {
  if (!options.yes) {
    if (!process.stdin.isTTY)
      return fail(io, "promote skips the remaining steps; confirm with --yes (no terminal to ask on)");
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(
      `Promote the canary of ${stage} to 100% now, skipping the remaining steps? [y/N] `,
    );
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) return fail(io, "not promoted");
  }
  return operatorAction("promote", stage, options, io, edges);
}
