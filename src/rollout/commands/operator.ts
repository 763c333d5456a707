import { hostname } from "node:os";
import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import type { StageConfig } from "../../config";
import type { RolloutController } from "../controller/controller";
import { freshState } from "../controller/prepare";
import { stageRecords } from "../controller/stage-store";
import { type LeaseScope, runnerOnTarget, takeTrafficLease } from "../controller/traffic-lease";
import type { RunResult } from "../core/events";
import { EXIT } from "../core/outcome";
import { isActive, type RolloutState } from "../core/state";
import { writeReports } from "../report/report-files";
import { holderAlive, processAlive } from "../store/holder-process";
import {
  describeLeaseHolder as describeHolder,
  type Lease,
  LeaseContendedError,
  LeaseHeldError,
  type LeaseHolder,
} from "../store/lease";
import type { OperatorAction } from "../store/requests";
import {
  type LeftRequest,
  type RolloutRecords,
  type SentRequest,
  UnreadableStateError,
} from "../store/rollout-records";
import { type CommonOptions, fail, leaseScopeOf, loadConfig, type Streams, stateDirOf } from "./common";
import { defaultOperatorEdges, type OperatorEdges, operatorController, operatorName } from "./operator-edges";
import { formatStatus } from "./status";

export interface OperatorOptions extends CommonOptions {
  /** abort: if the live runner does not act within the wait, stop it and revert from here. */
  force?: boolean;
  /** How long to wait for a live runner to act on the request (default 120 s; 30 s with --force). */
  waitSeconds?: number;
}

/** What the operator asks for: a request's action, and for promote whether to go straight to 100%. */
export interface OperatorAsk {
  action: OperatorAction;
  full?: boolean;
}

/**
 * abort / promote / pause / resume. With a live runner on this host the request goes to it (it
 * acts within a second at its next safe point). Otherwise an abort or a full promote takes the
 * lock and acts through the rollout controller, with the same retries, record, notification and
 * report as the runner; a one-step promote or a pause needs a runner to judge what follows, and
 * says how to start one. `abort --force` stops a runner that does not answer within the wait.
 */
export async function operatorAction(
  ask: OperatorAsk,
  stage: string,
  options: OperatorOptions,
  io: Streams,
  edges: OperatorEdges,
): Promise<number> {
  const { action } = ask;
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  const badWait = waitSecondsProblem(options.waitSeconds);
  if (badWait) return fail(io, badWait);
  const dir = stateDirOf(cfg, options);
  const scope = leaseScopeOf(cfg, options);
  const holder = await liveRunner(scope);
  let stopped: number | undefined;
  if (holder) {
    const waitMs = (options.waitSeconds ?? (options.force ? 30 : 120)) * 1000;
    const records = stageRecords(scope);
    const answered = await askRunner(ask, cfg, records, io, { holder, scope }, waitMs, edges);
    if (answered !== undefined) return answered;
    if (!(options.force && action === "abort")) {
      return fail(
        io,
        `the runner (${describeHolder(holder)}) did not act on the ${action} request within ${waitMs / 1000} s; \`ion-rollout abort ${stage} --force\` stops it and reverts from here`,
      );
    }
    const outcome = stopWedgedRunner(holder, io);
    if (outcome === "elsewhere") {
      return fail(
        io,
        `the runner (${describeHolder(holder)}) runs on another host, so it cannot be stopped from here: stop it there, or wait rollout.lease.ttlSeconds after it stops renewing and run \`ion-rollout abort ${stage}\` again`,
      );
    }
    if (outcome === "unverifiable") {
      return fail(
        io,
        `the lock does not record the runner's start time, so pid ${holder.pid} cannot be told from another process that reused it: nothing was stopped. Stop the runner yourself if pid ${holder.pid} is \`ion-rollout\`, then run \`ion-rollout abort ${stage}\` again`,
      );
    }
    stopped = outcome;
  }
  if (!(action === "abort" || (action === "promote" && ask.full))) return fail(io, needsRunner(ask, stage));
  const by = operatorName(action);
  // An operator's abort may revert a canary handed over at a CI job's deadline; nothing else may take it.
  const result = await actWithoutRunner(
    { action, command: `ion-rollout ${action} ${stage}`, stopped, takesHandover: action === "abort" },
    { cfg, dir, scope },
    (controller) => (action === "abort" ? controller.abortBy(by) : controller.promoteBy(by)),
    edges,
    io,
  );
  if (typeof result === "number") return result;
  return result.outcome === "failed" ? EXIT.error : EXIT.ok;
}

/** How an action without a runner takes the lease. */
export interface ActionLease {
  action: OperatorAction;
  command: string;
  /** The pid `abort --force` stopped: its lease is free to take at once. */
  stopped?: number | undefined;
  /** May take a live handover lease (an operator's abort). */
  takesHandover?: boolean;
  /** Another actor holds or is taking the lease: the exit code and message (default: exit 1 naming it). */
  lostRace?: (message: string) => number;
}

/**
 * No runner drives the stage: take the lease, then end the rollout through one controller
 * transition on the state found (an unreadable one set aside for an abort), with the runner's
 * retries, record, notification and report; prints the status after. An exit code when refused
 * (another runner holds the lease). Used by abort, promote --full and reconcile.
 */
export async function actWithoutRunner(
  how: ActionLease,
  where: { cfg: StageConfig; dir: string; scope: LeaseScope },
  transition: (controller: RolloutController) => Promise<RunResult>,
  edges: OperatorEdges,
  io: Streams,
): Promise<RunResult | number> {
  const { cfg, dir } = where;
  const lease = await leaseForAction(how, where.scope, io);
  if (typeof lease === "number") return lease;
  try {
    const place = { cfg, records: stageRecords(where.scope), projectDir: where.scope.projectDir };
    const { state, unreadable } = await stateToActOn(how.action, place, edges, io);
    const result = await actThroughController(place, state, transition, edges, io);
    // Kept aside only now: an abort is applied before anything is written.
    if (unreadable) io.err(`${await keepAsideTolerated(place.records, unreadable, edges)}\n`);
    await reportTolerated(how.action, dir, place.records, result.state, io);
    io.out(formatStatus(cfg, result.state, edges.clock()));
    return result;
  } finally {
    await releaseTolerated(lease, io);
  }
}

/** Why a one-step promote, a pause or a resume request has no one to act on it, and what to run. */
function needsRunner(ask: OperatorAsk, stage: string): string {
  const what = ask.action === "promote" ? "a one-step promote" : `a ${ask.action}`;
  return `no runner is driving ${stage}, so nothing would judge ${what}: \`ion-rollout resume ${stage}\` continues the rollout (each step judged), \`ion-rollout promote ${stage} --full\` takes the canary to 100% now, \`ion-rollout abort ${stage}\` reverts`;
}

/**
 * The lease the action is taken under; an exit code when another runner holds it. An abort whose
 * lease cannot be written (a full or read-only store) reverts without it, saying so: no runner
 * holds a live lease, and a failed write is never a reason not to revert.
 */
async function leaseForAction(
  how: ActionLease,
  scope: LeaseScope,
  io: Streams,
): Promise<Lease | undefined | number> {
  const { command, stopped } = how;
  try {
    const lease = await takeTrafficLease(scope, {
      command,
      isAlive: (pid) => pid !== stopped && processAlive(pid),
      takesHandover: () => how.takesHandover === true,
    });
    if (lease.tookOver) io.err(`took over ${lease.tookOver}\n`);
    return lease;
  } catch (error) {
    // Another actor holds it or is taking it right now: never act beside it.
    if (error instanceof LeaseHeldError || error instanceof LeaseContendedError)
      return how.lostRace ? how.lostRace(error.message) : fail(io, error.message);
    if (how.action !== "abort") throw error;
    io.err(
      `COULD NOT WRITE the lease (${(error as Error).message}); reverting without it (no runner holds a live lease)\n`,
    );
    return undefined;
  }
}

async function releaseTolerated(lease: Lease | undefined, io: Streams): Promise<void> {
  try {
    await lease?.release();
  } catch (error) {
    io.err(
      `could not release the lease (${(error as Error).message}); it lapses after rollout.lease.ttlSeconds\n`,
    );
  }
}

/** The report after the action; an abort that cannot write it (a failing disk, a store down) says so and stands. */
async function reportTolerated(
  action: OperatorAction,
  dir: string,
  records: RolloutRecords,
  state: RolloutState,
  io: Streams,
): Promise<void> {
  try {
    writeReports(resolve(dir, "reports"), state, await records.readJournal(state.id));
  } catch (error) {
    if (action !== "abort") throw error;
    io.err(`COULD NOT WRITE the report in ${dir}: ${(error as Error).message}\n`);
  }
}

/** `--wait-seconds`: a number of seconds, 0 or more; the problem for the operator otherwise. */
function waitSecondsProblem(waitSeconds: number | undefined): string | undefined {
  if (waitSeconds === undefined || (Number.isFinite(waitSeconds) && waitSeconds >= 0)) return undefined;
  return `--wait-seconds must be a number of seconds, 0 or more (how long to wait for a live runner to act); got ${String(waitSeconds)}. Nothing was done`;
}

/** The runner holding a live lease on the stage's traffic target, if any (`runnerOnTarget`). */
export async function liveRunner(scope: LeaseScope): Promise<LeaseHolder | undefined> {
  const runner = await runnerOnTarget(scope);
  return runner.alive ? runner.holder : undefined;
}

/**
 * abort --force: the runner did not answer; SIGKILL it so it can never apply a weight after us,
 * but only the process the lock names: same pid and same start time (a pid may have been reused
 * by an unrelated process since). Returns the stopped pid, undefined when the runner is already
 * gone, or "unverifiable" when the lock records no start time.
 */
function stopWedgedRunner(
  holder: LeaseHolder,
  io: Streams,
): number | undefined | "unverifiable" | "elsewhere" {
  if (holder.host !== hostname()) return "elsewhere";
  if (!holderAlive(holder)) {
    io.err(`the runner (${describeHolder(holder)}) is gone; reverting from here\n`);
    return undefined;
  }
  if (holder.startTime === undefined) return "unverifiable";
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

/** An unreadable state an abort found: why, and its text (kept aside once the revert is applied). */
interface UnreadableFound {
  problem: string;
  text: string | undefined;
}

/**
 * The state the action is recorded in. An unreadable state blocks a promote; an abort records in
 * a fresh state at the weight the platform serves, and keeps the unreadable one aside after. A
 * store that cannot be read at all (a bucket down) never stops an abort either: it reverts from
 * the served weight, and its records are written when the store answers again.
 */
async function stateToActOn(
  action: OperatorAction,
  place: ActionPlace,
  edges: OperatorEdges,
  io: Streams,
): Promise<{ state: RolloutState; unreadable?: UnreadableFound }> {
  const { cfg, records } = place;
  let unreadable: UnreadableFound | undefined;
  try {
    const stored = await records.readState();
    if (stored) return { state: stored };
  } catch (error) {
    if (action !== "abort") throw error;
    if (error instanceof UnreadableStateError)
      unreadable = { problem: error.problem, text: await records.readStateText().catch(() => undefined) };
    else
      io.err(
        `COULD NOT READ the rollout state in ${records.description} (${(error as Error).message}); reverting from the served weight\n`,
      );
  }
  const served = await (await edges.driverFor(cfg, place.projectDir))
    .currentCanaryWeight()
    .catch(() => undefined);
  const state = freshState(cfg.stage, cfg.releases, edges.clock(), served ?? cfg.canaryWeight);
  return unreadable ? { state, unreadable } : { state };
}

/** Keeps the unreadable state the abort found aside; says where, or that it could not (the abort is done). */
async function keepAsideTolerated(
  records: RolloutRecords,
  found: UnreadableFound,
  edges: OperatorEdges,
): Promise<string> {
  const what = `found an unreadable rollout state (${found.problem})`;
  if (found.text === undefined)
    return `${what}; COULD NOT READ it to keep a copy; this abort is recorded in a fresh state`;
  try {
    const aside = await records.keepAside(found.text, edges.clock());
    return `${what}; moved it to ${aside} and recorded this abort in a fresh state`;
  } catch (error) {
    return `${what}; COULD NOT MOVE it aside (${(error as Error).message}); this abort is recorded in a fresh state`;
  }
}

/** The stage, its records and its project directory (relative config paths resolve against it). */
interface ActionPlace {
  cfg: StageConfig;
  records: RolloutRecords;
  projectDir: string;
}

async function actThroughController(
  place: ActionPlace,
  state: RolloutState,
  transition: (controller: RolloutController) => Promise<RunResult>,
  edges: OperatorEdges,
  io: Streams,
): Promise<RunResult> {
  const controller = await operatorController(place, state, edges, (message) => io.err(`${message}\n`));
  const result = await transition(controller);
  // The revert is served and recorded; the stack's agreement with it ends before this process does.
  await controller.driverSettled();
  return result;
}

/**
 * When the runner has done what was asked: an abort or full promote ends the rollout; a one-step
 * promote moves the step on (or ends it); a pause or resume shows in the state.
 */
function answeredBy(ask: OperatorAsk, before: RolloutState | undefined): (state: RolloutState) => boolean {
  const step = before?.core.step.index ?? -1;
  return (state) => {
    if (!isActive(state)) return true;
    if (ask.action === "promote" && !ask.full) return state.core.step.index > step;
    if (ask.action === "pause") return state.pausedBy !== undefined;
    if (ask.action === "resume") return state.pausedBy === undefined;
    return false;
  };
}

function describeAsk(ask: OperatorAsk): string {
  if (ask.action !== "promote") return ask.action;
  return ask.full ? "promote to 100%" : "promote one step";
}

/**
 * Leaves a request for the live runner's rollout (named by its id, so no later rollout takes it)
 * and waits until the runner has acted; undefined if it did not within the wait. The request is
 * withdrawn whatever happens, so it never outlives this command.
 */
async function askRunner(
  ask: OperatorAsk,
  cfg: StageConfig,
  records: RolloutRecords,
  io: Streams,
  runner: { holder: LeaseHolder; scope: LeaseScope },
  waitMs: number,
  edges: OperatorEdges,
): Promise<number | undefined> {
  const { holder } = runner;
  const deadline = edges.clock() + waitMs;
  let sent: SentRequest | undefined;
  let done: ((state: RolloutState) => boolean) | undefined;
  let waitedOn: string | undefined;
  try {
    while (edges.clock() < deadline) {
      const state = await readStateIfReadable(records);
      if (done && state && done(state)) return answeredRequest(ask, cfg, state, io, edges);
      // Until the runner records an active rollout (it may be starting), there is no id to name.
      if (sent === undefined && state && isActive(state)) {
        // Also while another operator's request goes first: the rollout may end by it.
        done ??= answeredBy(ask, state);
        const left = await leaveRequest(ask, records, state.id, io, edges);
        if (left === undefined) return undefined;
        if ("sent" in left) {
          sent = left.sent;
          io.err(
            `asked the runner (${describeHolder(holder)}) to ${describeAsk(ask)} rollout ${state.id}; waiting for it...\n`,
          );
        } else if (waitedOn !== left.pending) {
          // Another operator's request goes first; this one is left once the runner took that.
          waitedOn = left.pending;
          io.err(`${left.pending} is pending; waiting for the runner to take it first...\n`);
        }
      }
      if ((await liveRunner(runner.scope))?.token !== holder.token) break;
      await edges.sleep(250);
    }
    return undefined;
  } finally {
    if (sent !== undefined) await withdrawTolerated(records, sent, io);
  }
}

/** Removes the request this command left; a store that fails says so (the runner discards it with its rollout). */
async function withdrawTolerated(records: RolloutRecords, sent: SentRequest, io: Streams): Promise<void> {
  try {
    await records.withdrawRequest(sent);
  } catch (error) {
    io.err(`could not withdraw the request in ${records.description}: ${(error as Error).message}\n`);
  }
}

/**
 * The request left (or the other request for the rollout still pending), or undefined when it
 * cannot be written (the caller then acts as if unanswered).
 */
async function leaveRequest(
  ask: OperatorAsk,
  records: RolloutRecords,
  rolloutId: string,
  io: Streams,
  edges: OperatorEdges,
): Promise<LeftRequest | undefined> {
  const { action } = ask;
  try {
    const request = {
      action,
      ...(ask.full ? { full: true } : {}),
      at: edges.clock(),
      by: operatorName(action),
      rolloutId,
    };
    return await records.writeRequest(request);
  } catch (error) {
    io.err(`COULD NOT LEAVE the ${action} request in ${records.description}: ${(error as Error).message}\n`);
    return undefined;
  }
}

/** How a rollout ends when a request that ends it was taken; a pause or resume ends none. */
const ENDED_AS: Partial<Record<OperatorAction, RolloutState["status"]>> = {
  abort: "reverted",
  promote: "promoted",
};

/**
 * The runner acted, or the rollout ended while the request waited: done if it went the way asked
 * (a step taken, a pause shown, or the rollout ended as asked), else said plainly.
 */
function answeredRequest(
  ask: OperatorAsk,
  cfg: StageConfig,
  state: RolloutState,
  io: Streams,
  edges: OperatorEdges,
): number {
  const { action } = ask;
  io.out(formatStatus(cfg, state, edges.clock()));
  if (isActive(state)) return EXIT.ok;
  if (state.status === ENDED_AS[action]) return EXIT.ok;
  return fail(
    io,
    `the rollout ended ${state.status} before the runner took the ${action} request; the request is withdrawn, nothing else was done`,
  );
}

/** A state a live runner may be replacing right now; unreadable counts as "not yet". */
async function readStateIfReadable(records: RolloutRecords): Promise<RolloutState | undefined> {
  try {
    return await records.readState();
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
  return operatorAction({ action: "abort" }, stage, options, io, edges);
}

export interface PromoteOptions extends OperatorOptions {
  yes?: boolean;
  /** Straight to 100%, skipping the remaining steps; default one step. */
  full?: boolean;
}

/** One step on (the next weight, with a fresh bake), or with --full the canary at 100% now. */
export async function promoteCommand(
  stage: string,
  options: PromoteOptions,
  io: Streams,
  edges: OperatorEdges = defaultOperatorEdges,
): Promise<number> {
  const what = options.full
    ? `Promote the canary of ${stage} to 100% now, skipping the remaining steps?`
    : `Advance the canary of ${stage} one step now, without waiting for its GO?`;
  if (!options.yes) {
    if (!process.stdin.isTTY)
      return fail(
        io,
        `promote ${options.full ? "skips the remaining steps" : "skips this step's GO"}; confirm with --yes (no terminal to ask on)`,
      );
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`${what} [y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) return fail(io, "not promoted");
  }
  return operatorAction({ action: "promote", full: options.full === true }, stage, options, io, edges);
}

/** Hold at the current weight (checks go on, a breach still reverts) until `resume` or `promote`. */
export async function pauseCommand(
  stage: string,
  options: OperatorOptions,
  io: Streams,
  edges: OperatorEdges = defaultOperatorEdges,
): Promise<number> {
  return operatorAction({ action: "pause" }, stage, options, io, edges);
}
