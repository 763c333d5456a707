import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import type { StageConfig } from "../../config";
import { RolloutRefused, type RunResult, runRollout } from "../controller/runner";
import { EXIT } from "../core/outcome";
import { buildPlan } from "../core/plan";
import { actionRecord, formatRecord } from "../core/record";
import type { TrafficDriver } from "../edges/types";
import { duration } from "../report/plan-text";
import { progressPrinter } from "../report/progress";
import { writeReports } from "../report/report-files";
import { appendRecord, readJournal } from "../store/journal";
import { acquireLock, describeHolder, LockError, processAlive, readLock } from "../store/lock";
import { writeRequest } from "../store/requests";
import { isActive, type RolloutState, readState, writeState } from "../store/state";
import { type CommonOptions, fail, loadConfig, type Streams, stateDirOf } from "./common";
import { isReleaseName, nextReleases } from "./release-name";

/** The `ion-rollout` commands that drive or inspect a rollout (plan and backtest live in the CLI). */

async function drive(
  cfg: StageConfig,
  mode: "start" | "resume",
  options: CommonOptions,
  io: Streams,
  releases?: RolloutState["releases"],
): Promise<number> {
  const dir = stateDirOf(cfg, options);
  // The metrics queries select each side by release name: use the rollout's releases, not the file's.
  const rolloutReleases = releases ?? readState(dir, cfg.stage)?.releases;
  if (rolloutReleases) cfg = { ...cfg, releases: rolloutReleases };
  const { buildEdges } = require("../edges/from-config") as typeof import("../edges/from-config");
  const edges = await buildEdges(cfg, {
    onOutput: (text) => io.err(text),
    log: (message) => io.err(`${message}\n`),
  });
  const printer = progressPrinter(options.json ? "json" : io.isTTY ? "tty" : "plain", io.out);
  const controller = new AbortController();
  const onInterrupt = options.onInterrupt ?? "revert";
  const stop = (signal: NodeJS.Signals) => {
    io.err(
      `\n${signal}: stopping at the next safe point (${onInterrupt === "hold" ? "holding the weight" : "reverting to 0%"})\n`,
    );
    controller.abort();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  let result: RunResult;
  try {
    result = await runRollout({
      cfg,
      driver: edges.driver,
      metrics: edges.metrics,
      notifier: edges.notifier,
      stateDir: dir,
      mode,
      ...(releases ? { releases } : {}),
      signal: controller.signal,
      ...edges.gates, // issue 14: pre-traffic gate + post-promotion check
      onInterrupt,
      onEvent: printer,
    });
  } catch (error) {
    if (error instanceof RolloutRefused || error instanceof LockError) return fail(io, error.message);
    throw error;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  const written = writeReports(resolve(dir, "reports"), result.state, readJournal(dir, cfg.stage));
  io.err(`report: ${written.markdown}\n        ${written.html}\n`);
  return result.exitCode;
}

export async function startCommand(
  stage: string,
  options: CommonOptions & { image: string; name?: string },
  io: Streams,
): Promise<number> {
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  const previous = readState(stateDirOf(cfg, options), stage);
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
  return drive(cfg, "start", options, io, releases);
}

export async function resumeCommand(stage: string, options: CommonOptions, io: Streams): Promise<number> {
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  return drive(cfg, "resume", options, io);
}

function statusExit(state: RolloutState | undefined): number {
  if (!state) return EXIT.error;
  if (state.status === "promoted") return EXIT.promoted;
  if (state.status === "reverted") return EXIT.reverted;
  if (state.status === "held") return EXIT.held;
  if (state.status === "failed") return EXIT.error;
  return EXIT.ok;
}

export function formatStatus(cfg: StageConfig, state: RolloutState, now: number, holder?: string): string {
  const plan = buildPlan(cfg);
  const step = plan.steps[state.core.step.index];
  const elapsed = Math.max(0, Math.round((now - state.startedAt) / 1000 - state.core.step.startedAt));
  const lines = [
    `${state.stage}: ${state.status.toUpperCase()}${state.heldBy ? ` (${state.heldBy})` : ""} - ${state.releases.canary.name} (${state.releases.canary.image}) over ${state.releases.stable.name}`,
    `  weight ${state.weight}%, step ${state.core.step.index + 1}/${plan.steps.length}${step ? ` (${step.weight}%)` : ""}, started ${new Date(state.startedAt).toISOString()}`,
  ];
  if (state.status === "running" || state.status === "held") {
    lines.push(
      `  bake ${elapsed}/${step?.bakeSeconds ?? 0} s, evidence ${state.core.step.requests}/${step?.minRequests ?? 0} requests, ${state.core.step.checks} checks at this step`,
    );
    lines.push(`  runner: ${holder ?? `none (resume with \`ion-rollout resume ${state.stage}\`)`}`);
  }
  if (state.reason)
    lines.push(`  reason: ${state.reason}${state.causedBy ? ` (decision #${state.causedBy})` : ""}`);
  if (state.retiredAt) {
    lines.push(
      `  the old side (${state.releases.stable.name}) was retired at ${new Date(state.retiredAt).toISOString()}; the stack declares only ${state.releases.canary.name}`,
    );
  } else if (state.retireOldAfter) {
    lines.push(
      `  the old side (${state.releases.stable.name}) may be retired after ${new Date(state.retireOldAfter).toISOString()}`,
    );
  }
  if (state.lastDecision) lines.push("", "latest decision:", formatRecord(state.lastDecision));
  return `${lines.join("\n")}\n`;
}

export async function statusCommand(
  stage: string,
  options: CommonOptions & { watch?: boolean },
  io: Streams,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): Promise<number> {
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  const dir = stateDirOf(cfg, options);
  for (;;) {
    const state = readState(dir, stage);
    if (!state) return fail(io, `no rollout of ${stage} recorded in ${dir}`);
    let holder: string | undefined;
    try {
      const lock = readLock(dir, stage);
      holder = lock ? describeHolder(lock) : undefined;
    } catch {
      holder = "unreadable lock file";
    }
    if (options.json) io.out(`${JSON.stringify({ state, runner: holder ?? null })}\n`);
    else {
      if (options.watch && io.isTTY) io.out("\x1b[2J\x1b[H");
      io.out(formatStatus(cfg, state, Date.now(), holder));
    }
    if (!options.watch || !isActive(state) || (state.status === "held" && !holder)) return statusExit(state);
    await sleep(Math.min(5000, cfg.rollout.checkIntervalSeconds * 1000));
  }
}

/**
 * abort / promote. With a live runner on this host the request goes to it (it acts within a
 * second at its next safe point); otherwise this command takes the lock and applies the weight.
 */
async function operatorAction(
  action: "abort" | "promote",
  stage: string,
  options: CommonOptions,
  io: Streams,
  driverFor: (cfg: StageConfig) => Promise<TrafficDriver>,
  waitMs = 120_000,
): Promise<number> {
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  const dir = stateDirOf(cfg, options);
  const by = `${process.env.USER ?? "operator"} (ion-rollout ${action})`;
  const holder = readLock(dir, stage);
  if (holder && processAlive(holder.pid)) {
    writeRequest(dir, stage, { action, at: Date.now(), by });
    io.err(`asked the runner (${describeHolder(holder)}) to ${action}; waiting for it...\n`);
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      const state = readState(dir, stage);
      if (state && !isActive(state)) {
        io.out(formatStatus(cfg, state, Date.now()));
        return state.status === "failed" ? EXIT.error : EXIT.ok;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return fail(
      io,
      `the runner did not act on the ${action} request within ${waitMs / 1000} s; check \`ion-rollout status ${stage}\``,
    );
  }
  let lock: ReturnType<typeof acquireLock>;
  try {
    lock = acquireLock(dir, stage, { command: `ion-rollout ${action} ${stage}` });
  } catch (error) {
    if (error instanceof LockError) return fail(io, error.message);
    throw error;
  }
  try {
    const state = readState(dir, stage);
    const releases = state?.releases ?? cfg.releases;
    const weight = action === "abort" ? (state?.lastSafeWeight ?? 0) : 100;
    const reason = action === "abort" ? `aborted by ${by}` : `promoted by ${by} (remaining steps skipped)`;
    const driver = await driverFor(cfg);
    try {
      await driver.apply({
        canaryWeight: weight,
        releases,
        rolloutInProgress: false,
        oldSideRetired: false,
        reason,
      });
    } catch (error) {
      return fail(io, `${action} failed to apply ${weight}%: ${(error as Error).message}`);
    }
    if (state) {
      const seq = state.core.seq + 1;
      const plan = buildPlan(cfg);
      const at = (Date.now() - state.startedAt) / 1000;
      const record = actionRecord({
        seq,
        at,
        startedAtMs: state.startedAt,
        step: state.core.step.index + 1,
        steps: plan.steps.length,
        weight: state.weight,
        action: action === "abort" ? "revert" : "promote",
        reason,
        nextWeight: weight,
      });
      appendRecord(dir, stage, record);
      const next: RolloutState = {
        ...state,
        status: action === "abort" ? "reverted" : "promoted",
        weight,
        reason,
        causedBy: seq,
        updatedAt: Date.now(),
        core: { ...state.core, seq },
        lastDecision: record,
        ...(action === "promote" ? { retireOldAfter: Date.now() + cfg.rollout.retainOldSeconds * 1000 } : {}),
      };
      writeState(dir, next);
      writeReports(resolve(dir, "reports"), next, readJournal(dir, stage));
      io.out(formatStatus(cfg, next, Date.now()));
    } else {
      io.out(`${stage}: applied ${weight}% canary (${reason}); no rollout state was recorded\n`);
    }
    return EXIT.ok;
  } finally {
    lock.release();
  }
}

async function defaultDriver(cfg: StageConfig): Promise<TrafficDriver> {
  const { buildDriver } = require("../edges/from-config") as typeof import("../edges/from-config");
  return buildDriver(cfg, { onOutput: (text) => process.stderr.write(text) });
}

export async function abortCommand(
  stage: string,
  options: CommonOptions,
  io: Streams,
  driverFor: (cfg: StageConfig) => Promise<TrafficDriver> = defaultDriver,
): Promise<number> {
  return operatorAction("abort", stage, options, io, driverFor);
}

export async function promoteCommand(
  stage: string,
  options: CommonOptions & { yes?: boolean },
  io: Streams,
  driverFor: (cfg: StageConfig) => Promise<TrafficDriver> = defaultDriver,
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
  return operatorAction("promote", stage, options, io, driverFor);
}

/**
 * retire: after a promotion and its retention period (`rollout.retainOldSeconds`), takes the old
 * side out of the stack (`oldSideRetired`: canary alone at 100%). `--now` skips the wait.
 */
export async function retireCommand(
  stage: string,
  options: CommonOptions & { now?: boolean },
  io: Streams,
  driverFor: (cfg: StageConfig) => Promise<TrafficDriver> = defaultDriver,
  clock: () => number = Date.now,
): Promise<number> {
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  const dir = stateDirOf(cfg, options);
  const found = readState(dir, stage);
  if (!found) return fail(io, `no rollout of ${stage} recorded in ${dir}; nothing to retire`);
  if (found.status !== "promoted") {
    return fail(
      io,
      `${stage} is ${found.status}, not promoted: only the old side of a promoted rollout can be retired (\`ion-rollout status ${stage}\`)`,
    );
  }
  const old = found.releases.stable.name;
  if (found.retiredAt) {
    io.out(
      `${stage}: the old side (${old}) was already retired at ${new Date(found.retiredAt).toISOString()}\n`,
    );
    return EXIT.ok;
  }
  const retention = duration(cfg.rollout.retainOldSeconds);
  const left = (found.retireOldAfter ?? 0) - clock();
  if (left > 0 && !options.now) {
    return fail(
      io,
      `the old side (${old}) is kept for ${retention} after the promotion, until ${new Date(found.retireOldAfter ?? 0).toISOString()}: ${duration(Math.ceil(left / 1000))} left. Retire it then, or now with --now`,
    );
  }
  let lock: ReturnType<typeof acquireLock>;
  try {
    lock = acquireLock(dir, stage, { command: `ion-rollout retire ${stage}` });
  } catch (error) {
    if (error instanceof LockError) return fail(io, error.message);
    throw error;
  }
  try {
    // Read again under the lock: another command may have started a rollout meanwhile.
    const state = readState(dir, stage);
    if (state?.status !== "promoted" || state.id !== found.id) {
      return fail(io, `the rollout of ${stage} changed while retire waited for the lock; nothing applied`);
    }
    const by = `${process.env.USER ?? "operator"} (ion-rollout retire)`;
    const reason = `retire ${old} after ${retention}${left > 0 ? ` (--now, ${duration(Math.ceil(left / 1000))} early)` : ""} by ${by}`;
    const driver = await driverFor(cfg);
    try {
      await driver.apply({
        canaryWeight: 100,
        releases: state.releases,
        rolloutInProgress: false,
        oldSideRetired: true,
        reason,
      });
    } catch (error) {
      return fail(io, `retire failed to take ${old} out of ${stage}: ${(error as Error).message}`);
    }
    const now = clock();
    const seq = state.core.seq + 1;
    const plan = buildPlan(cfg);
    const record = actionRecord({
      seq,
      at: (now - state.startedAt) / 1000,
      startedAtMs: state.startedAt,
      step: state.core.step.index + 1,
      steps: plan.steps.length,
      weight: state.weight,
      action: "retire",
      reason,
      nextWeight: 100,
    });
    appendRecord(dir, stage, record);
    const next: RolloutState = {
      ...state,
      retiredAt: now,
      updatedAt: now,
      core: { ...state.core, seq },
      lastDecision: record,
    };
    writeState(dir, next);
    writeReports(resolve(dir, "reports"), next, readJournal(dir, stage));
    if (options.json) io.out(`${JSON.stringify({ state: next })}\n`);
    else io.out(formatStatus(cfg, next, now));
    return EXIT.ok;
  } finally {
    lock.release();
  }
}

export async function explainCommand(stage: string, options: CommonOptions, io: Streams): Promise<number> {
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  const dir = stateDirOf(cfg, options);
  const records = readJournal(dir, stage);
  if (records.length === 0) return fail(io, `no decision records for ${stage} in ${dir}`);
  const state = readState(dir, stage);
  if (options.json) {
    io.out(`${JSON.stringify({ state: state ?? null, records }, null, 2)}\n`);
    return EXIT.ok;
  }
  if (state) io.out(formatStatus(cfg, state, Date.now()).split("\n\nlatest decision:")[0] ?? "");
  io.out("\n");
  for (const record of records) {
    const cause = state?.causedBy === record.seq ? "  <== caused the outcome\n" : "";
    io.out(`${formatRecord(record)}\n${cause}\n`);
  }
  return EXIT.ok;
}
