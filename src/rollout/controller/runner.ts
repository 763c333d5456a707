import type { Release, StageConfig } from "../../config";
import { analyseCheck, type Check, initialAnalysisState } from "../core/analysis";
import { decide, firstStep } from "../core/decide";
import { EXIT } from "../core/outcome";
import { buildPlan, type RolloutPlan } from "../core/plan";
import { type ActionKind, actionRecord, type DecisionRecord } from "../core/record";
import type { MetricsSample } from "../core/sample";
import type { Gate } from "../edges/probes/types";
import type { MetricsSource, Notifier, RolloutEventKind, TrafficDriver } from "../edges/types";
import { appendRecord, archiveJournal } from "../store/journal";
import { acquireLock, describeHolder, type LockOptions } from "../store/lock";
import { takeRequest } from "../store/requests";
import { isActive, type RolloutState, readState, writeState } from "../store/state";
import { checkGate } from "./gate-step";

/**
 * The rollout loop: lock, apply the step's weight, check every interval, decide, advance / hold /
 * revert / promote, with every decision journaled and the state written after each one. Time and
 * sleeping are injected, so tests run it in fake time.
 */

export type RunOutcome = "promoted" | "reverted" | "held" | "failed";

export type RunnerEvent =
  | {
      type: "start";
      at: number;
      stage: string;
      mode: "start" | "resume";
      plan: RolloutPlan;
      state: RolloutState;
    }
  | { type: "apply"; at: number; weight: number; reason: string; rolloutInProgress: boolean }
  | { type: "check"; at: number; record: DecisionRecord; state: RolloutState }
  | { type: "warning"; at: number; message: string }
  | { type: "end"; at: number; outcome: RunOutcome; exitCode: number; reason: string; state: RolloutState };

export interface RunOptions {
  cfg: StageConfig;
  driver: TrafficDriver;
  metrics: MetricsSource;
  notifier?: Notifier;
  stateDir: string;
  mode: "start" | "resume";
  /** Releases of a new rollout (start); default the config's. */
  releases?: { stable: Release; canary: Release };
  /** Epoch ms; default Date.now. */
  clock?: () => number;
  /** Resolves after `ms` or as soon as `signal` aborts; default setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** SIGINT/SIGTERM: stop at the next safe point. */
  signal?: AbortSignal;
  onEvent?: (event: RunnerEvent) => void;
  /** On interrupt: revert (default) or hold the current weight. */
  onInterrupt?: "revert" | "hold";
  lock?: LockOptions;
  /** Longest single sleep, so operator requests are picked up quickly (default 1000 ms). */
  pollMs?: number;
  /** issue 14: asked before the canary's first traffic, and of the public endpoint before PROMOTED. */
  preTraffic?: Gate;
  postPromotion?: Gate;
}

export interface RunResult {
  outcome: RunOutcome;
  exitCode: number;
  reason: string;
  state: RolloutState;
}

/** The rollout could not start or resume; nothing was applied. */
export class RolloutRefused extends Error {
  override name = "RolloutRefused";
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

const REVERT_ATTEMPTS = 3;

export async function runRollout(options: RunOptions): Promise<RunResult> {
  const { cfg, driver, metrics, stateDir: dir, mode } = options;
  const stage = cfg.stage;
  const plan = buildPlan(cfg);
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const emit = (event: RunnerEvent) => options.onEvent?.(event);
  const interval = plan.checkIntervalSeconds * 1000;
  const pollMs = options.pollMs ?? 1000;

  const lock = acquireLock(dir, stage, {
    ...options.lock,
    now: clock,
    command: `ion-rollout ${mode} ${stage}`,
  });
  try {
    if (lock.tookOverFrom) {
      emit({
        type: "warning",
        at: clock(),
        message: `took over the lock of a runner that is gone: ${describeHolder(lock.tookOverFrom)}`,
      });
    }
    let state = prepare(options, plan, clock());
    const since = (ms: number) => (ms - state.startedAt) / 1000;
    const save = (patch: Partial<RolloutState>) => {
      state = { ...state, ...patch, updatedAt: clock() };
      writeState(dir, state);
    };
    const notify = async (kind: RolloutEventKind, message: string) => {
      if (!options.notifier) return;
      try {
        await options.notifier.notify({ kind, stage, canaryWeight: state.weight, message, at: clock() });
      } catch (error) {
        emit({ type: "warning", at: clock(), message: `notification failed: ${(error as Error).message}` });
      }
    };
    const record = (action: ActionKind, reason: string, nextWeight: number): number => {
      const seq = state.core.seq + 1;
      const rec = actionRecord({
        seq,
        at: since(clock()),
        startedAtMs: state.startedAt,
        step: state.core.step.index + 1,
        steps: plan.steps.length,
        weight: state.weight,
        action,
        reason,
        nextWeight,
      });
      appendRecord(dir, stage, rec);
      save({ core: { ...state.core, seq }, lastDecision: rec });
      return seq;
    };
    const apply = async (
      weight: number,
      reason: string,
      rolloutInProgress: boolean,
      signal?: AbortSignal,
    ) => {
      emit({ type: "apply", at: clock(), weight, reason, rolloutInProgress });
      await driver.apply(
        // A rollout always declares both sides: a new start brings back a retired old side.
        { canaryWeight: weight, releases: state.releases, rolloutInProgress, oldSideRetired: false, reason },
        signal,
      );
    };
    const finish = async (
      outcome: RunOutcome,
      reason: string,
      kind: RolloutEventKind,
    ): Promise<RunResult> => {
      const exitCode =
        outcome === "promoted"
          ? EXIT.promoted
          : outcome === "reverted"
            ? EXIT.reverted
            : outcome === "held"
              ? EXIT.held
              : EXIT.error;
      await notify(kind, reason);
      emit({ type: "end", at: clock(), outcome, exitCode, reason, state });
      return { outcome, exitCode, reason, state };
    };
    /** Back to the last safe weight, never cancelled by the interrupt that may have caused it. */
    const revert = async (reason: string, causedBy?: number): Promise<RunResult> => {
      let lastError: unknown;
      for (let attempt = 1; attempt <= REVERT_ATTEMPTS; attempt++) {
        try {
          await apply(state.lastSafeWeight, `revert: ${reason}`, false);
          save({
            status: "reverted",
            weight: state.lastSafeWeight,
            reason,
            ...(causedBy ? { causedBy } : {}),
          });
          return finish("reverted", `reverted to ${state.lastSafeWeight}%: ${reason}`, "revert");
        } catch (error) {
          lastError = error;
          emit({
            type: "warning",
            at: clock(),
            message: `revert attempt ${attempt}/${REVERT_ATTEMPTS} failed: ${(error as Error).message}`,
          });
          if (attempt < REVERT_ATTEMPTS) await sleep(2000 * attempt);
        }
      }
      const why = `REVERT FAILED after ${REVERT_ATTEMPTS} attempts (${(lastError as Error)?.message}); the split is unknown (last weight applied successfully: ${state.weight}%): check the platform and run \`ion-rollout abort ${stage}\`. Cause: ${reason}`;
      save({ status: "failed", reason: why, ...(causedBy ? { causedBy } : {}) });
      return finish("failed", why, "error");
    };
    const promote = async (reason: string, causedBy?: number): Promise<RunResult> => {
      try {
        await apply(100, `promote: ${reason}`, false, options.signal);
      } catch (error) {
        const seq = record(
          "revert",
          `promotion to 100% failed: ${(error as Error).message}`,
          state.lastSafeWeight,
        );
        return revert(`promotion to 100% failed: ${(error as Error).message}`, seq);
      }
      // issue 14: the post-promotion check before PROMOTED; a failure reverts like a breach.
      if (options.postPromotion) {
        save({ weight: 100 });
        const gate = await checkGate(options.postPromotion, {
          dir,
          state,
          plan,
          at: since(clock()),
          weight: 100,
          nextWeight: 100,
          signal: options.signal,
        });
        save({ core: { ...state.core, seq: gate.record.seq }, lastDecision: gate.record });
        emit({ type: "check", at: clock(), record: gate.record, state });
        if (!gate.passed) return revert(gate.reason, gate.record.seq);
      }
      save({
        status: "promoted",
        weight: 100,
        reason,
        retireOldAfter: clock() + plan.retainOldSeconds * 1000,
        ...(causedBy ? { causedBy } : {}),
      });
      return finish("promoted", `promoted ${state.releases.canary.name} to 100%: ${reason}`, "promote");
    };
    const interrupted = async (): Promise<RunResult> => {
      if ((options.onInterrupt ?? "revert") === "hold") {
        const reason = `interrupted; holding at ${state.weight}% (resume with \`ion-rollout resume ${stage}\`)`;
        const seq = record("hold", reason, state.weight);
        save({ status: "held", heldBy: "interrupt", reason, causedBy: seq });
        return finish("held", reason, "hold");
      }
      const seq = record(
        "revert",
        "interrupted (SIGINT/SIGTERM); --on-interrupt revert",
        state.lastSafeWeight,
      );
      return revert("interrupted", seq);
    };
    const operator = async (): Promise<RunResult | undefined> => {
      const request = takeRequest(dir, stage);
      if (!request) return undefined;
      if (request.action === "abort") {
        const seq = record("revert", `aborted by ${request.by}`, state.lastSafeWeight);
        return revert(`aborted by ${request.by}`, seq);
      }
      const seq = record("promote", `promoted by ${request.by} (remaining steps skipped)`, 100);
      return promote(`promoted by ${request.by}`, seq);
    };

    save({});
    emit({ type: "start", at: clock(), stage, mode, plan, state });
    await notify(
      "start",
      `${mode} ${state.releases.canary.name} (${state.releases.canary.image}) at step ${state.core.step.index + 1}/${plan.steps.length}`,
    );

    // Bring the platform to the current step's weight (a resume re-applies it unless it already serves it).
    const current = plan.steps[state.core.step.index];
    if (!current)
      throw new RolloutRefused(`the state's step ${state.core.step.index + 1} is outside the plan`);
    let served: number | undefined;
    if (mode === "resume") {
      try {
        served = await driver.currentCanaryWeight();
      } catch {
        served = undefined;
      }
    }
    // issue 14: the pre-traffic gate, while the canary has no traffic (start, or resume before the first step).
    if (options.preTraffic && state.weight === 0) {
      const gate = await checkGate(options.preTraffic, {
        dir,
        state,
        plan,
        at: since(clock()),
        weight: 0,
        nextWeight: current.weight,
        signal: options.signal,
      });
      save({ core: { ...state.core, seq: gate.record.seq }, lastDecision: gate.record });
      emit({ type: "check", at: clock(), record: gate.record, state });
      if (options.signal?.aborted) return interrupted();
      if (!gate.passed) return revert(gate.reason, gate.record.seq);
    }
    if (served !== current.weight) {
      try {
        await apply(current.weight, `step ${current.index + 1}/${plan.steps.length}`, true, options.signal);
      } catch (error) {
        const seq = record(
          "revert",
          `apply of ${current.weight}% failed: ${(error as Error).message}`,
          state.lastSafeWeight,
        );
        return revert(`apply of ${current.weight}% failed: ${(error as Error).message}`, seq);
      }
      if (mode === "start") {
        save({
          weight: current.weight,
          core: { ...state.core, step: { ...state.core.step, startedAt: since(clock()) } },
        });
      } else {
        save({ weight: current.weight });
      }
      await notify(
        "step",
        `step ${current.index + 1}/${plan.steps.length}: ${current.weight}% to ${state.releases.canary.name}`,
      );
    }

    for (;;) {
      // Checks fall on the step's own schedule (step start + k intervals), so a resumed step keeps its planned end.
      const stepStartMs = state.startedAt + state.core.step.startedAt * 1000;
      const elapsed = clock() - stepStartMs;
      const nextCheck = stepStartMs + (Math.floor(elapsed / interval) + 1) * interval;
      while (clock() < nextCheck) {
        if (options.signal?.aborted) return interrupted();
        const request = await operator();
        if (request) return request;
        await sleep(Math.min(pollMs, nextCheck - clock()), options.signal);
      }
      if (options.signal?.aborted) return interrupted();
      const request = await operator();
      if (request) return request;

      const at = since(clock());
      let sample: MetricsSample;
      try {
        sample = await metrics.sample(options.signal);
      } catch (error) {
        if (options.signal?.aborted) return interrupted();
        sample = noData(clock(), `${metrics.description}: ${(error as Error).message}`);
      }
      const check: Check = {
        at,
        canary: sample.canary,
        stable: sample.stable,
        queries: sample.queries,
        errors: sample.errors,
      };
      const analysis = analyseCheck(cfg, state.core.analysis, check);
      const decision = decide(plan, state.core, check, analysis, state.startedAt);
      appendRecord(dir, stage, decision.record);
      save({ core: decision.state, lastDecision: decision.record });
      emit({ type: "check", at: clock(), record: decision.record, state });
      const seq = decision.record.seq;

      if (decision.action === "revert") return revert(decision.record.reason, seq);
      if (decision.action === "promote") return promote(decision.record.reason, seq);
      if (decision.action === "hold") {
        if (decision.timedOut) {
          save({ status: "held", heldBy: "timeout", reason: decision.record.reason, causedBy: seq });
          return finish("held", decision.record.reason, "hold");
        }
        continue;
      }
      // advance
      const next = plan.steps[state.core.step.index];
      if (!next) throw new Error(`advanced past the plan (step ${state.core.step.index + 1})`);
      try {
        await apply(next.weight, `step ${next.index + 1}/${plan.steps.length}`, true, options.signal);
      } catch (error) {
        if (options.signal?.aborted) return interrupted();
        const failed = record(
          "revert",
          `apply of ${next.weight}% failed: ${(error as Error).message}`,
          state.lastSafeWeight,
        );
        return revert(`apply of ${next.weight}% failed: ${(error as Error).message}`, failed);
      }
      // The bake starts once the platform serves the new weight.
      save({
        weight: next.weight,
        core: { ...state.core, step: { ...state.core.step, startedAt: since(clock()) } },
      });
      await notify(
        "step",
        `step ${next.index + 1}/${plan.steps.length}: ${next.weight}% to ${state.releases.canary.name}`,
      );
    }
  } finally {
    lock.release();
  }
}

function noData(at: number, error: string): MetricsSample {
  const empty = { requests: null, errors: null, p95LatencyMs: null, memory: null, cpu: null };
  return { at, canary: { ...empty }, stable: { ...empty }, queries: {}, errors: [error] };
}

/** The state a run starts from: a fresh rollout, or the stored one to resume. */
function prepare(options: RunOptions, plan: RolloutPlan, now: number): RolloutState {
  const { cfg, stateDir: dir, mode } = options;
  const existing = readState(dir, cfg.stage);
  if (mode === "start") {
    if (isActive(existing)) {
      throw new RolloutRefused(
        `a rollout of ${cfg.stage} is already ${existing?.status} (${existing?.releases.canary.name} at ${existing?.weight}%); \`ion-rollout resume ${cfg.stage}\` continues it, \`ion-rollout abort ${cfg.stage}\` reverts it`,
      );
    }
    const releases = options.releases ?? cfg.releases;
    const id = `${new Date(now).toISOString()}-${releases.canary.name}`;
    if (existing) archiveJournal(dir, cfg.stage, existing.id);
    return {
      version: 1,
      stage: cfg.stage,
      id,
      releases,
      status: "running",
      startedAt: now,
      updatedAt: now,
      weight: 0,
      lastSafeWeight: 0,
      core: { step: firstStep(0), analysis: initialAnalysisState(), seq: 0 },
    };
  }
  if (!existing)
    throw new RolloutRefused(
      `no rollout of ${cfg.stage} to resume (no state in ${dir}); start one with \`ion-rollout start\``,
    );
  if (!isActive(existing)) {
    throw new RolloutRefused(
      `the rollout of ${cfg.stage} has ended (${existing.status}: ${existing.reason ?? ""}); nothing to resume`,
    );
  }
  if (existing.core.step.index >= plan.steps.length) {
    throw new RolloutRefused(
      `the stored rollout is at step ${existing.core.step.index + 1} but the plan has ${plan.steps.length} steps`,
    );
  }
  let core = existing.core;
  if (existing.status === "held" && existing.heldBy === "timeout") {
    // A timed-out step gets a fresh timeout window; a bake it had completed stays completed.
    const step = plan.steps[core.step.index];
    const nowAt = (now - existing.startedAt) / 1000;
    const elapsed = nowAt - core.step.startedAt;
    core = { ...core, step: { ...core.step, startedAt: nowAt - Math.min(elapsed, step?.bakeSeconds ?? 0) } };
  }
  // A crashed or interrupted step keeps its start: its bake ends at the planned time.
  return { ...existing, status: "running", core, reason: undefined, causedBy: undefined, heldBy: undefined };
}
