import type { StageConfig } from "../../config";
import type { Decision } from "../core/decide";
import type { RunnerEvent, RunResult } from "../core/events";
import { gateDecisionRecord, gateReason } from "../core/gate-record";
import { exitCodeFor, type Outcome } from "../core/outcome";
import { REVERT_WEIGHT, type RolloutPlan } from "../core/plan";
import { actionRecord, type DecisionRecord, type RecordAction, type RecordPosition } from "../core/record";
import type { RolloutState } from "../core/state";
import type { Gate } from "../edges/probes/types";
import type { Sleep } from "../edges/sleep";
import type { Notifier, RolloutEventKind, TrafficDriver } from "../edges/types";
import { appendRecord } from "../store/journal";
import { writeState } from "../store/state";

/**
 * The rollout controller: the only code that changes a rollout's state. Every transition (a step's
 * weight, a hold, a revert, a promotion, retiring the old side) is applied through the driver,
 * recorded once in the journal and the state, notified, and reported as an event, whether a check,
 * an operator command or a signal caused it.
 */

export interface ControllerDeps {
  cfg: StageConfig;
  plan: RolloutPlan;
  driver: TrafficDriver;
  notifier?: Notifier;
  stateDir: string;
  clock: () => number;
  sleep: Sleep;
  emit?: (event: RunnerEvent) => void;
  /** Asked before the canary takes any traffic (its own endpoint). */
  preTraffic?: Gate;
  /** Asked after 100% and before PROMOTED (the public endpoint); a NO-GO reverts. */
  postPromotion?: Gate;
}

/** A revert is retried this many times, this far apart (times the attempt number). */
export const REVERT_ATTEMPTS = 3;
const REVERT_RETRY_MS = 2000;

export class RolloutController {
  private current: RolloutState;

  constructor(
    private readonly deps: ControllerDeps,
    state: RolloutState,
  ) {
    this.current = state;
  }

  get state(): RolloutState {
    return this.current;
  }

  get plan(): RolloutPlan {
    return this.deps.plan;
  }

  /** Seconds since the rollout started, the journal's time axis. */
  now(): number {
    return (this.deps.clock() - this.current.startedAt) / 1000;
  }

  warn(message: string): void {
    this.deps.emit?.({ type: "warning", at: this.deps.clock(), message });
  }

  emit(event: RunnerEvent): void {
    this.deps.emit?.(event);
  }

  save(patch: Partial<RolloutState>): void {
    this.current = { ...this.current, ...patch, updatedAt: this.deps.clock() };
    writeState(this.deps.stateDir, this.current);
  }

  async notify(kind: RolloutEventKind, message: string): Promise<void> {
    if (!this.deps.notifier) return;
    try {
      await this.deps.notifier.notify({
        kind,
        stage: this.current.stage,
        canaryWeight: this.current.weight,
        message,
        at: this.deps.clock(),
      });
    } catch (error) {
      this.warn(`notification failed: ${(error as Error).message}`);
    }
  }

  /** Where the next journal record stands: its seq, time, step and the weight in force. */
  private nextRecordPosition(): RecordPosition {
    return {
      seq: this.current.core.seq + 1,
      at: this.now(),
      startedAtMs: this.current.startedAt,
      step: this.current.core.step.index + 1,
      steps: this.deps.plan.steps.length,
      weight: this.current.weight,
    };
  }

  /** Appends a record no check's analysis produced and makes it the state's latest decision. */
  private journal(record: DecisionRecord): number {
    appendRecord(this.deps.stateDir, this.current.stage, record);
    this.save({ core: { ...this.current.core, seq: record.seq }, lastDecision: record });
    return record.seq;
  }

  /** Journals an action no check decided (operator, interrupt, failed apply); returns its seq. */
  recordAction(action: RecordAction, reason: string, nextWeight: number): number {
    return this.journal(actionRecord({ ...this.nextRecordPosition(), action, reason, nextWeight }));
  }

  /** Journals a check's decision and takes its step progress and analysis state. */
  recordDecision(decision: Decision): void {
    appendRecord(this.deps.stateDir, this.current.stage, decision.record);
    this.save({ core: decision.state, lastDecision: decision.record });
    this.emit({ type: "check", at: this.deps.clock(), record: decision.record, state: this.current });
  }

  private async apply(weight: number, reason: string, rolloutInProgress: boolean, signal?: AbortSignal) {
    this.emit({ type: "apply", at: this.deps.clock(), weight, reason, rolloutInProgress });
    // A rollout always declares both sides: a new start brings back a retired old side.
    const { releases } = this.current;
    await this.deps.driver.apply(
      { canaryWeight: weight, releases, rolloutInProgress, oldSideRetired: false, reason },
      signal,
    );
  }

  /**
   * Applies a step's weight; its bake starts once the platform serves it (`restartBake`: a resume
   * keeps the step's original start). A failed apply is recorded and reverted; an apply cut short
   * by `signal` returns "interrupted" for the caller to handle.
   */
  async applyStep(
    index: number,
    signal?: AbortSignal,
    restartBake = true,
  ): Promise<RunResult | "applied" | "interrupted"> {
    const step = this.deps.plan.steps[index];
    if (!step)
      throw new Error(`step ${index + 1} is outside the plan (${this.deps.plan.steps.length} steps)`);
    const steps = this.deps.plan.steps.length;
    const drifted = await this.holdOnDrift(`step ${index + 1}/${steps} (${step.weight}%)`);
    if (drifted) return drifted;
    try {
      await this.apply(step.weight, `step ${index + 1}/${steps}`, true, signal);
    } catch (error) {
      if (signal?.aborted) return "interrupted";
      return this.revertAfterFailedApply(step.weight, error);
    }
    const core = this.current.core;
    this.save({
      weight: step.weight,
      core: restartBake ? { ...core, step: { ...core.step, index, startedAt: this.now() } } : core,
    });
    await this.notify(
      "step",
      `step ${index + 1}/${steps}: ${step.weight}% to ${this.current.releases.canary.name}`,
    );
    return "applied";
  }

  private revertAfterFailedApply(weight: number, error: unknown): Promise<RunResult> {
    const reason = `apply of ${weight}% failed: ${(error as Error).message}`;
    return this.revert(reason, this.recordAction("revert", reason, REVERT_WEIGHT));
  }

  /**
   * Back to the revert weight, retried; never cancelled by the interrupt that may have caused it.
   * Ends `reverted`, or `failed` when every attempt failed (the split is then unknown).
   */
  async revert(reason: string, causedBy?: number): Promise<RunResult> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= REVERT_ATTEMPTS; attempt++) {
      try {
        await this.apply(REVERT_WEIGHT, `revert: ${reason}`, false);
        this.save({ status: "reverted", weight: REVERT_WEIGHT, reason, heldBy: undefined, causedBy });
        return this.finish("reverted", `reverted to ${REVERT_WEIGHT}%: ${reason}`, "revert");
      } catch (error) {
        lastError = error;
        this.warn(`revert attempt ${attempt}/${REVERT_ATTEMPTS} failed: ${(error as Error).message}`);
        if (attempt < REVERT_ATTEMPTS) await this.deps.sleep(REVERT_RETRY_MS * attempt);
      }
    }
    const stage = this.current.stage;
    const why = `REVERT FAILED after ${REVERT_ATTEMPTS} attempts (${(lastError as Error)?.message}); the split is unknown (last weight applied successfully: ${this.current.weight}%): check the platform and run \`ion-rollout abort ${stage}\`. Cause: ${reason}`;
    this.save({ status: "failed", reason: why, causedBy });
    return this.finish("failed", why, "error");
  }

  /**
   * Runs a gate and journals its decision like a check's; a NO-GO reverts like a breach. Returns
   * the revert's result, or undefined when the gate passed (or there is none).
   */
  async passGate(
    gate: Gate | undefined,
    nextWeight: number,
    signal?: AbortSignal,
  ): Promise<RunResult | undefined> {
    if (!gate) return undefined;
    const outcome = await gate.check(signal);
    const nextIfPassed = outcome.passed ? nextWeight : REVERT_WEIGHT;
    const record = gateDecisionRecord({
      gate: outcome,
      ...this.nextRecordPosition(),
      nextWeight: nextIfPassed,
    });
    const seq = this.journal(record);
    this.emit({ type: "check", at: this.deps.clock(), record, state: this.current });
    return outcome.passed ? undefined : this.revert(gateReason(outcome), seq);
  }

  /** The pre-traffic gate, while the canary has no traffic (a start, or a resume before step 1). */
  async passPreTrafficGate(nextWeight: number, signal?: AbortSignal): Promise<RunResult | undefined> {
    if (this.current.weight !== REVERT_WEIGHT) return undefined;
    return this.passGate(this.deps.preTraffic, nextWeight, signal);
  }

  /** Canary to 100%, then the post-promotion check; a failed apply or check reverts. */
  async promote(reason: string, causedBy?: number, signal?: AbortSignal): Promise<RunResult> {
    const drifted = await this.holdOnDrift("the promotion to 100%");
    if (drifted) return drifted;
    try {
      await this.apply(100, `promote: ${reason}`, false, signal);
    } catch (error) {
      return this.revertAfterFailedApply(100, new Error(`promotion: ${(error as Error).message}`));
    }
    this.save({ weight: 100 });
    const refused = await this.passGate(this.deps.postPromotion, 100, signal);
    if (refused) return refused;
    this.save({
      status: "promoted",
      weight: 100,
      reason,
      heldBy: undefined,
      causedBy,
      retireOldAfter: this.deps.clock() + this.deps.plan.retainOldSeconds * 1000,
    });
    return this.finish(
      "promoted",
      `promoted ${this.current.releases.canary.name} to 100%: ${reason}`,
      "promote",
    );
  }

  /**
   * Takes the platform's served weight as the state's: after an apply an interrupt cut short, the
   * platform may serve either weight. An `error` when the driver cannot tell.
   */
  async adoptServedWeight(): Promise<{ weight: number } | { error: string }> {
    try {
      const weight = await this.deps.driver.currentCanaryWeight();
      if (weight === undefined) return { error: `${this.deps.driver.description} reports no canary weight` };
      if (weight !== this.current.weight) this.save({ weight });
      return { weight };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }

  /**
   * The split is read from the platform before every step and promotion: a canary weight other
   * than the one this rollout last applied was set outside it (console, gcloud, aws, another
   * tool). Then nothing is applied over it: the runner records it, holds and notifies. Undefined
   * when the served split matches, or the platform cannot tell (nothing to compare). A revert is
   * not held: going back to stable is always the safe direction.
   */
  private async holdOnDrift(next: string): Promise<RunResult | undefined> {
    // Before this rollout's first step the platform's "canary" is still the previous release's
    // (a promoted one serves 100%): there is no split of this rollout to compare with yet.
    if (this.current.weight === REVERT_WEIGHT) return undefined;
    let served: number | undefined;
    try {
      served = await this.deps.driver.currentCanaryWeight();
    } catch (error) {
      this.warn(`could not read the served split before ${next}: ${(error as Error).message}`);
      return undefined;
    }
    if (served === undefined || served === this.current.weight) return undefined;
    const { stage } = this.current;
    const reason = `drift: the platform serves ${served}% to the canary, but this rollout last applied ${this.current.weight}%; the split was changed outside ion-rollout. Held before ${next}, nothing overwritten: find who changed it, then \`ion-rollout resume ${stage}\` (continues from the served ${served}%) or \`ion-rollout abort ${stage}\``;
    return this.hold(reason, "drift", this.recordAction("hold", reason, this.current.weight));
  }

  /** Stops at the current weight (a timed-out step, or an interrupt with --on-interrupt hold). */
  async hold(
    reason: string,
    heldBy: "timeout" | "interrupt" | "drift",
    causedBy?: number,
  ): Promise<RunResult> {
    this.save({ status: "held", heldBy, reason, causedBy });
    return this.finish("held", reason, "hold");
  }

  /** Takes the old side out of the stack after a promotion (`ion-rollout retire`). */
  async retire(reason: string): Promise<void> {
    await this.deps.driver.apply({
      canaryWeight: 100,
      releases: this.current.releases,
      rolloutInProgress: false,
      oldSideRetired: true,
      reason,
    });
    const at = this.deps.clock();
    this.recordAction("retire", reason, 100);
    this.save({ retiredAt: at });
  }

  async finish(outcome: Outcome, reason: string, kind: RolloutEventKind): Promise<RunResult> {
    const exitCode = exitCodeFor(outcome);
    await this.notify(kind, reason);
    this.emit({ type: "end", at: this.deps.clock(), outcome, exitCode, reason, state: this.current });
    return { outcome, exitCode, reason, state: this.current };
  }
}
