import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import type { StageConfig } from "../../config";
import { freshState } from "../controller/prepare";
import type { RunResult } from "../core/events";
import { EXIT } from "../core/outcome";
import { REVERT_WEIGHT } from "../core/plan";
import { isActive } from "../core/state";
import { writeReports } from "../report/report-files";
import { readJournal } from "../store/journal";
import { acquireLock, describeHolder, LockError, processAlive, readLock } from "../store/lock";
import { writeRequest } from "../store/requests";
import { readState } from "../store/state";
import { type CommonOptions, fail, loadConfig, type Streams, stateDirOf } from "./common";
import { defaultOperatorEdges, type OperatorEdges, operatorController, operatorName } from "./operator-edges";
import { formatStatus } from "./status";

/**
 * abort / promote. With a live runner on this host the request goes to it (it acts within a
 * second at its next safe point); otherwise this command takes the lock and acts through the
 * rollout controller, with the same retries, record, notification and report as the runner.
 */
async function operatorAction(
  action: "abort" | "promote",
  stage: string,
  options: CommonOptions,
  io: Streams,
  edges: OperatorEdges,
  waitMs = 120_000,
): Promise<number> {
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  const dir = stateDirOf(cfg, options);
  const holder = readLock(dir, stage);
  if (holder && processAlive(holder.pid))
    return askRunner(action, cfg, dir, io, describeHolder(holder), waitMs, edges);
  let lock: ReturnType<typeof acquireLock>;
  try {
    lock = acquireLock(dir, stage, { command: `ion-rollout ${action} ${stage}` });
  } catch (error) {
    if (error instanceof LockError) return fail(io, error.message);
    throw error;
  }
  try {
    const result = await actThroughController(action, cfg, dir, edges);
    writeReports(resolve(dir, "reports"), result.state, readJournal(dir, stage));
    io.out(formatStatus(cfg, result.state, edges.clock()));
    return result.outcome === "failed" ? EXIT.error : EXIT.ok;
  } finally {
    lock.release();
  }
}

async function actThroughController(
  action: "abort" | "promote",
  cfg: StageConfig,
  dir: string,
  edges: OperatorEdges,
): Promise<RunResult> {
  const by = operatorName(action);
  const state =
    readState(dir, cfg.stage) ?? freshState(cfg.stage, cfg.releases, edges.clock(), cfg.canaryWeight);
  const controller = await operatorController(cfg, dir, state, edges);
  if (action === "abort") {
    const reason = `aborted by ${by}`;
    return controller.revert(reason, controller.recordAction("revert", reason, REVERT_WEIGHT));
  }
  const seq = controller.recordAction("promote", `promoted by ${by} (remaining steps skipped)`, 100);
  return controller.promote(`promoted by ${by}`, seq);
}

/** Leaves a request for the live runner and waits for the rollout to end. */
async function askRunner(
  action: "abort" | "promote",
  cfg: StageConfig,
  dir: string,
  io: Streams,
  holder: string,
  waitMs: number,
  edges: Pick<OperatorEdges, "clock" | "sleep">,
): Promise<number> {
  writeRequest(dir, cfg.stage, { action, at: edges.clock(), by: operatorName(action) });
  io.err(`asked the runner (${holder}) to ${action}; waiting for it...\n`);
  const deadline = edges.clock() + waitMs;
  while (edges.clock() < deadline) {
    const state = readState(dir, cfg.stage);
    if (state && !isActive(state)) {
      io.out(formatStatus(cfg, state, edges.clock()));
      return state.status === "failed" ? EXIT.error : EXIT.ok;
    }
    await edges.sleep(250);
  }
  return fail(
    io,
    `the runner did not act on the ${action} request within ${waitMs / 1000} s; check \`ion-rollout status ${cfg.stage}\``,
  );
}

export async function abortCommand(
  stage: string,
  options: CommonOptions,
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
