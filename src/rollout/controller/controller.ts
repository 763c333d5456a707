import type { StageConfig } from "../../config";
import { type CoreState, type Decision, firstStep } from "../core/decide";
import type { RunnerEvent, RunResult } from "../core/events";
import { gateDecisionRecord, gateReason } from "../core/gate/record";
import { exitCodeFor, type Outcome } from "../core/outcome";
import { REVERT_WEIGHT, type RolloutPlan } from "../core/plan";
import { actionRecord, type DecisionRecord, type RecordAction, type RecordPosition } from "../core/record";
import type { RolloutState } from "../core/state";
import type { Gate } from "../edges/probes/types";
import type { Sleep } from "../edges/sleep";
import type { Notifier, RolloutEventKind, TrafficDriver } from "../edges/types";
import type { RolloutRecords } from "../store/rollout-records";

/**
 * The rollout controller: the only code that changes a rollout's state. Every transition (a step's
 * weight, a hold, a revert, a promotion, retiring the old side) is applied through the driver,
 * recorded once in the journal and the state, notified, and reported as an event, whether a check,
 * an operator command or a signal caused it. Callers name a transition (`begin`, `revertBecause`,
 * `abortBy`, `promoteBy`, `pauseBy`, ...); the writes themselves (`save`, the journal, the driver's
 * apply) are private, and test/architecture/single-writer.test.ts keeps them so.
 */

export interface ControllerDeps {
  cfg: StageConfig;
  plan: RolloutPlan;
  driver: TrafficDriver;
  notifier?: Notifier;
  /** Where the rollout's state and journal are written (the stage's store). */
  records: RolloutRecords;
  /** Wall clock, epoch ms: what records say (`updatedAt`, events, notifications). */
  clock: () => number;
  /**
   * Monotonic ms (`performance.now()`): what schedules run on (bake, check times, step timeouts).
   * Default `clock`, so a test's fake time moves both.
   */
  monotonic?: () => number;
  sleep: Sleep;
  emit?: (event: RunnerEvent) => void;
  /** Asked before the canary takes any traffic (its own endpoint). */
  preTraffic?: Gate;
  /** Asked after 100% and before PROMOTED (the public endpoint); a NO-GO reverts. */
  postPromotion?: Gate;
  /** Aborts when the runner's lease is lost: from then on nothing is applied or written. */
  leaseLost?: AbortSignal;
}

/** A revert is retried this many times, this far apart (times the attempt number). */
export const REVERT_ATTEMPTS = 3;
const REVERT_RETRY_MS = 2000;
/** A record that could not be written after the platform changed is retried this many times. */
const RECORD_ATTEMPTS = 3;
const RECORD_RETRY_MS = 1000;

export class RolloutController {
  private current: RolloutState;
  private readonly monotonic: () => number;
  /** The wall clock read once, and the monotonic clock then: the rollout's time axis starts here. */
  private readonly anchor: { wall: number; mono: number };

  constructor(
    private readonly deps: ControllerDeps,
    state: RolloutState,
  ) {
    this.current = state;
    this.monotonic = deps.monotonic ?? deps.clock;
    this.anchor = { wall: deps.clock(), mono: this.monotonic() };
  }

  /** Throws the `LeaseLostError` once the lease is lost: another runner may drive the target now. */
  private mustHoldLease(): void {
    if (this.deps.leaseLost?.aborted) throw this.deps.leaseLost.reason;
  }

  private async guarded(write: () => Promise<void>): Promise<void> {
    this.mustHoldLease();
    await write();
  }

  get state(): RolloutState {
    return this.current;
  }

  get plan(): RolloutPlan {
    return this.deps.plan;
  }

  /**
   * Seconds since the rollout started, the journal's time axis and every schedule's: the wall
   * clock is read once (when this process took the rollout over), then time advances by the
   * monotonic clock, so a wall-clock step neither delays a check nor times a step out.
   */
  now(): number {
    return this.elapsedMs() / 1000;
  }

  /** `now()` in milliseconds. */
  elapsedMs(): number {
    return this.anchor.wall - this.current.startedAt + (this.monotonic() - this.anchor.mono);
  }

  warn(message: string): void {
    this.deps.emit?.({ type: "warning", at: this.deps.clock(), message });
  }

  emit(event: RunnerEvent): void {
    // After a lost lease the rollout left behind is nobody's to report: the new holder reports.
    if (this.deps.leaseLost?.aborted) return;
    this.deps.emit?.(event);
  }

  /**
   * The rollout's first write in this process: the state is written (a new rollout's journal is
   * its own object, keyed by its id, so the one it replaces stays as it was), and the start shown
   * and notified.
   */
  async begin(mode: "start" | "resume"): Promise<void> {
    await this.save({});
    const { plan } = this.deps;
    this.emit({ type: "start", at: this.deps.clock(), stage: plan.stage, mode, plan, state: this.current });
    const { canary } = this.current.releases;
    await this.notify(
      "start",
      `${mode} ${canary.name} (${canary.image}) at step ${this.current.core.step.index + 1}/${plan.steps.length}`,
    );
  }

  private async save(patch: Partial<RolloutState>): Promise<void> {
    this.current = { ...this.current, ...patch, updatedAt: this.deps.clock() };
    await this.guarded(() => this.deps.records.writeState(this.current));
  }

  private async notify(kind: RolloutEventKind, message: string): Promise<void> {
    if (!this.deps.notifier || this.deps.leaseLost?.aborted) return;
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
  private async journal(record: DecisionRecord): Promise<number> {
    await this.guarded(() => this.deps.records.appendRecord(this.current.id, record));
    await this.save({ core: { ...this.current.core, seq: record.seq }, lastDecision: record });
    return record.seq;
  }

  /** Appends `record` after the platform changed: a failing disk is reported and retried, never thrown. */
  private appendTolerated(what: string, record: DecisionRecord): Promise<boolean> {
    return this.persist(`${what} in the journal (#${record.seq})`, () =>
      this.deps.records.appendRecord(this.current.id, record),
    );
  }

  /** Journals an action no check decided (operator, interrupt, failed apply); returns its seq. */
  private recordAction(action: RecordAction, reason: string, nextWeight: number): Promise<number> {
    return this.journal(actionRecord({ ...this.nextRecordPosition(), action, reason, nextWeight }));
  }

  /**
   * A revert a record decided (a check's NO-GO, a gate's): shown at once, applied, and only then
   * journaled with its state (each write tolerated), so a failing disk never delays or stops it.
   */
  async revertDecided(record: DecisionRecord, core: CoreState, reason = record.reason): Promise<RunResult> {
    this.current = { ...this.current, core: { ...core, seq: record.seq }, lastDecision: record };
    this.emit({ type: "check", at: this.deps.clock(), record, state: this.current });
    const failure = await this.applyRevert(reason);
    await this.appendTolerated(`the ${record.action} decision`, record);
    return this.endRevert(reason, record.seq, failure);
  }

  /**
   * Journals a check's decision and takes its step progress and analysis state. A failing disk is
   * reported and retried (`persist`), never an end of the judging: the next check may be the one
   * that must revert.
   */
  async recordDecision(decision: Decision): Promise<void> {
    const { record } = decision;
    await this.appendTolerated(`the check's ${record.action}`, record);
    await this.saveTolerated(`the check's ${record.action}`, { core: decision.state, lastDecision: record });
    this.emit({ type: "check", at: this.deps.clock(), record, state: this.current });
  }

  /**
   * The only call that changes the served split. A rollout always declares both sides (a new
   * start brings back a retired old side); only `retire` takes the old side out.
   */
  private async apply(
    weight: number,
    reason: string,
    rolloutInProgress: boolean,
    signal?: AbortSignal,
    options: { oldSideRetired?: boolean; urgent?: boolean } = {},
  ) {
    const { oldSideRetired = false, urgent = false } = options;
    // Stored before the platform is asked: from here a failed revert leaves the split unknown.
    if (weight > REVERT_WEIGHT && this.current.canaryServed !== true) await this.save({ canaryServed: true });
    this.emit({ type: "apply", at: this.deps.clock(), weight, reason, rolloutInProgress });
    const { releases } = this.current;
    this.mustHoldLease();
    await this.deps.driver.apply(
      {
        canaryWeight: weight,
        releases,
        rolloutInProgress,
        oldSideRetired,
        reason,
        ...(urgent ? { urgent } : {}),
      },
      signal,
    );
  }

  /** Resolves once the driver's work after a served change (a stack's agreement) has ended. */
  async driverSettled(): Promise<void> {
    await this.deps.driver.settle?.();
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
    await this.save({
      weight: step.weight,
      phase: undefined,
      core: restartBake ? { ...core, step: { ...core.step, index, startedAt: this.now() } } : core,
    });
    await this.notify(
      "step",
      `step ${index + 1}/${steps}: ${step.weight}% to ${this.current.releases.canary.name}`,
    );
    return "applied";
  }

  private revertAfterFailedApply(weight: number, error: unknown): Promise<RunResult> {
    return this.revertBecause(`apply of ${weight}% failed: ${(error as Error).message}`);
  }

  /**
   * Back to the revert weight, retried; never cancelled by the interrupt that may have caused it.
   * Ends `reverted`, or `failed` when every attempt failed (the split is then unknown). The revert
   * is applied first; the state that records it is written afterwards, and a write that fails
   * (a full or read-only disk) is reported, never a reason not to revert.
   */
  private async revert(reason: string, causedBy?: number): Promise<RunResult> {
    const failure = await this.applyRevert(reason);
    return this.endRevert(reason, causedBy, failure);
  }

  /**
   * A revert no check decided (an operator's abort, an interrupt, a failed apply, a platform found
   * at 0%): applied first, then journaled (`journalReason`, default `reason`) and recorded, each
   * write tolerated. The one place a revert is recorded after it is applied.
   */
  async revertBecause(reason: string, journalReason = reason): Promise<RunResult> {
    const failure = await this.applyRevert(reason);
    const seq = await this.recordApplied("revert", journalReason, REVERT_WEIGHT);
    return this.endRevert(reason, seq, failure);
  }

  /** An operator's abort (a command, or a request a runner took): a revert, recorded. */
  abortBy(by: string): Promise<RunResult> {
    return this.revertBecause(`aborted by ${by}`);
  }

  /** An operator's full promote: recorded first (the remaining steps skipped), then 100% and the post-promotion check. */
  async promoteBy(by: string): Promise<RunResult> {
    const seq = await this.recordAction("promote", `promoted by ${by} (remaining steps skipped)`, 100);
    return this.promote(`promoted by ${by}`, seq);
  }

  /**
   * Journals an action the platform already shows (or that changes nothing on it: a hold), a
   * failing disk tolerated (`persist`); the state written next carries its seq. Returns the seq.
   */
  private async recordApplied(action: RecordAction, reason: string, nextWeight: number): Promise<number> {
    const record = actionRecord({ ...this.nextRecordPosition(), action, reason, nextWeight });
    await this.appendTolerated(`the ${action}`, record);
    this.current = { ...this.current, core: { ...this.current.core, seq: record.seq }, lastDecision: record };
    return record.seq;
  }

  /** Applies the revert weight, retried; the last error when every attempt failed. */
  private async applyRevert(reason: string): Promise<{ error: unknown } | undefined> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= REVERT_ATTEMPTS; attempt++) {
      try {
        // The one revert change: urgent, so the driver takes the platform's fastest path.
        await this.apply(REVERT_WEIGHT, `revert: ${reason}`, false, undefined, { urgent: true });
        return undefined;
      } catch (error) {
        lastError = error;
        this.warn(`revert attempt ${attempt}/${REVERT_ATTEMPTS} failed: ${(error as Error).message}`);
        if (attempt < REVERT_ATTEMPTS) await this.deps.sleep(REVERT_RETRY_MS * attempt);
      }
    }
    return { error: lastError };
  }

  private async endRevert(
    reason: string,
    causedBy: number | undefined,
    failure: { error: unknown } | undefined,
  ): Promise<RunResult> {
    if (this.current.canaryServed === false) return this.endRefused(reason, causedBy, failure);
    if (!failure) {
      await this.saveTolerated("the revert", {
        status: "reverted",
        weight: REVERT_WEIGHT,
        reason,
        heldBy: undefined,
        phase: undefined,
        causedBy,
      });
      // A check's reason already says "reverted at 25% after 3 s: ..."; others (abort, interrupt) do not.
      const said = reason.startsWith("reverted ") ? reason : `reverted to ${REVERT_WEIGHT}%: ${reason}`;
      return this.finish("reverted", said, "revert");
    }
    const stage = this.current.stage;
    const why = `REVERT FAILED after ${REVERT_ATTEMPTS} attempts (${(failure.error as Error)?.message}); the split is unknown (last weight applied successfully: ${this.current.weight}%): check the platform and run \`ion-rollout abort ${stage}\`. Cause: ${reason}`;
    await this.saveTolerated("the failed revert", { status: "failed", reason: why, causedBy });
    return this.finish("failed", why, "error");
  }

  /**
   * A revert before any weight above 0 was asked of the platform: the release was refused, and the
   * split is the one before the rollout even when the revert could not be applied (nothing was).
   */
  private async endRefused(
    reason: string,
    causedBy: number | undefined,
    failure: { error: unknown } | undefined,
  ): Promise<RunResult> {
    const unapplied = failure
      ? `; the revert to ${REVERT_WEIGHT}% failed too (${(failure.error as Error)?.message}), but no weight above ${REVERT_WEIGHT}% was ever asked for: the canary never took traffic`
      : "";
    const why = `refused before traffic: ${reason}${unapplied}`;
    const patch = { status: "reverted", weight: REVERT_WEIGHT, heldBy: undefined, phase: undefined } as const;
    await this.saveTolerated("the refusal", { ...patch, reason: failure ? why : reason, causedBy });
    return this.finish("reverted", why, "revert");
  }

  /**
   * Takes `patch` as the state at once and writes it; a failed write is reported and retried
   * (`persist`), the in-memory state stays the truth for the rest of this process.
   */
  private async saveTolerated(what: string, patch: Partial<RolloutState>): Promise<void> {
    this.current = { ...this.current, ...patch, updatedAt: this.deps.clock() };
    await this.persist(`${what} in the state`, () => this.deps.records.writeState(this.current));
  }

  /**
   * Runs a write to the state directory after the platform was already changed: a failure (ENOSPC,
   * EROFS) is reported loudly and retried, and after the last attempt reported as not recorded.
   */
  private async persist(what: string, write: () => Promise<void>): Promise<boolean> {
    for (let attempt = 1; attempt <= RECORD_ATTEMPTS; attempt++) {
      // A lost lease is no write failure to retry: another runner owns the record now.
      this.mustHoldLease();
      try {
        await write();
        return true;
      } catch (error) {
        const last = attempt === RECORD_ATTEMPTS;
        this.warn(
          `COULD NOT RECORD ${what} (attempt ${attempt}/${RECORD_ATTEMPTS}) in ${this.deps.records.description}: ${(error as Error).message}${last ? `; NOT RECORDED: the platform was changed, the records in ${this.deps.records.description} do not say so (free space, remount it read-write or restore access to the bucket, then \`ion-rollout status ${this.current.stage}\`)` : "; retrying"}`,
        );
        if (!last) await this.deps.sleep(RECORD_RETRY_MS * attempt);
      }
    }
    return false;
  }

  /**
   * Runs a gate and journals its decision like a check's; a NO-GO reverts like a breach. Returns
   * the revert's result, or undefined when the gate passed (or there is none).
   */
  private async passGate(
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
    if (!outcome.passed) return this.revertDecided(record, this.current.core, gateReason(outcome));
    await this.journal(record);
    this.emit({ type: "check", at: this.deps.clock(), record, state: this.current });
    return undefined;
  }

  /**
   * While the canary has no traffic (a start, or a resume before step 1): deploys its release at
   * 0% and waits until the platform reports it ready, so the pre-traffic gate that follows asks
   * the release that would take traffic, not whatever was deployed before. A deploy that fails or
   * never becomes ready reverts, with the canary still at 0%.
   */
  async deployBeforeTraffic(signal?: AbortSignal): Promise<RunResult | "ready" | "interrupted"> {
    if (this.current.weight !== REVERT_WEIGHT) return "ready";
    const { releases } = this.current;
    const release = releases.canary;
    await this.save({ phase: "deploying" });
    this.emit({ type: "deploy", at: this.deps.clock(), release, phase: "deploying" });
    let detail: string;
    try {
      await this.deps.driver.deployCanary(releases, signal);
      detail = await this.deps.driver.waitReady(release, signal);
    } catch (error) {
      if (signal?.aborted) return "interrupted";
      const reason = `deploy of ${release.name} at 0% failed: ${(error as Error).message}`;
      return this.revertBecause(reason);
    }
    await this.save({ phase: "verifying" });
    this.emit({ type: "deploy", at: this.deps.clock(), release, phase: "ready", detail });
    return "ready";
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
    await this.save({ weight: 100 });
    const refused = await this.passGate(this.deps.postPromotion, 100, signal);
    if (refused) return refused;
    await this.save({
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
  private async adoptServedWeight(): Promise<{ weight: number } | { error: string }> {
    const served = await this.servedWeight();
    if ("weight" in served && served.weight !== this.current.weight)
      await this.saveTolerated("the served weight", { weight: served.weight });
    return served;
  }

  /** The canary weight the platform serves now (the truth, whatever the state says); an `error` when it cannot tell. */
  async servedWeight(): Promise<{ weight: number } | { error: string }> {
    let weight: number | undefined;
    try {
      weight = await this.deps.driver.currentCanaryWeight();
    } catch (error) {
      return { error: (error as Error).message };
    }
    if (weight === undefined) return { error: `${this.deps.driver.description} reports no canary weight` };
    return { weight };
  }

  /**
   * An operator's one-step promote: the next step's weight with a fresh bake and evidence count,
   * or the promotion at the last step. Clears a pause. Recorded before it is applied, like a check's.
   */
  async advanceBy(by: string, signal?: AbortSignal): Promise<RunResult | "applied" | "interrupted"> {
    const index = this.current.core.step.index;
    const next = this.deps.plan.steps[index + 1];
    if (!next) {
      const seq = await this.recordAction("promote", `promoted by ${by} (last step)`, 100);
      return this.promote(`promoted by ${by}`, seq, signal);
    }
    await this.recordAction("advance", `advanced by ${by}: one step, to ${next.weight}%`, next.weight);
    const step = { index: index + 1, startedAt: this.now(), requests: 0, checks: 0 };
    await this.save({ pausedBy: undefined, core: { ...this.current.core, step } });
    return this.applyStep(index + 1, signal);
  }

  /** `ion-rollout pause`: checks go on (a breach still reverts), steps stop advancing. Journaled. */
  async pauseBy(by: string): Promise<void> {
    if (this.current.pausedBy) return;
    const weight = this.current.weight;
    await this.recordAction("hold", `paused by ${by}: holding at ${weight}% until resume or promote`, weight);
    await this.save({ pausedBy: by });
  }

  /** `ion-rollout resume` while a runner holds a paused rollout: steps advance on GO again. */
  async resumeBy(by: string): Promise<void> {
    const pausedBy = this.current.pausedBy;
    if (!pausedBy) return;
    await this.save({ pausedBy: undefined });
    this.warn(`resumed by ${by}: the pause by ${pausedBy} ended; steps advance on GO again`);
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
    return this.hold(reason, "drift", await this.recordAction("hold", reason, this.current.weight));
  }

  /** A step that never reached GO within its timeout: held at its weight; `causedBy` is the check that timed it out. */
  holdOnTimeout(reason: string, causedBy: number): Promise<RunResult> {
    return this.hold(reason, "timeout", causedBy);
  }

  /** Stops at the current weight: a timed-out step, an interrupt, a drift. */
  private async hold(
    reason: string,
    heldBy: "timeout" | "interrupt" | "drift",
    causedBy?: number,
  ): Promise<RunResult> {
    await this.saveTolerated("the hold", { status: "held", heldBy, reason, causedBy });
    return this.finish("held", reason, "hold");
  }

  /** Takes the old side out of the stack after a promotion (`ion-rollout retire`): applied, then recorded. */
  async retire(reason: string): Promise<void> {
    await this.apply(100, reason, false, undefined, { oldSideRetired: true });
    const at = this.deps.clock();
    await this.recordAction("retire", reason, 100);
    await this.save({ retiredAt: at });
  }

  /**
   * A resume that finds the platform serving a later step's weight than the state's: continues
   * from step `index` at the served weight with a fresh bake, never moving the split back.
   */
  async continueAtServedStep(index: number, served: number): Promise<void> {
    await this.save({
      weight: served,
      core: { ...this.current.core, step: { ...firstStep(this.now()), index } },
    });
  }

  /**
   * A resumed rollout whose last record is a revert or a promotion the state does not show (the
   * runner died between recording and finishing it) completes it before anything else: a revert
   * is applied, a promotion goes to 100% again and then to its check. Undefined when none is pending.
   */
  async completeRecordedTransition(signal?: AbortSignal): Promise<RunResult | undefined> {
    const last = this.current.lastDecision;
    if (last?.action === "revert") {
      this.warn(`the previous runner recorded a revert (#${last.seq}) but did not finish it; completing it`);
      return this.revert(last.reason, last.seq);
    }
    if (last?.action !== "promote") return undefined;
    this.warn(
      `the previous runner recorded a promotion (#${last.seq}) but did not finish it; completing it (100%, then the post-promotion check)`,
    );
    return this.promote(last.reason, last.seq, signal);
  }

  /**
   * An interrupt (a signal, a closed pipe, an uncaught error: `why` says which): the configured
   * safe action, revert or hold, recorded like any other. A hold keeps what the platform serves,
   * so it must know it (the interrupt may have cut an apply short): when the served weight cannot
   * be read it reverts instead, never recording a split nobody knows.
   */
  async stopOnInterrupt(why: string, onInterrupt: "revert" | "hold"): Promise<RunResult> {
    if (onInterrupt === "revert") return this.revertBecause(why, `${why}; --on-interrupt revert`);
    const served = await this.adoptServedWeight();
    if ("error" in served) {
      const instead = `${why}; cannot hold, the served weight is unknown (${served.error}): reverting instead`;
      return this.revertBecause(instead);
    }
    const reason = `${why}; holding at ${served.weight}% (resume with \`ion-rollout resume ${this.current.stage}\`)`;
    return this.hold(reason, "interrupt", await this.recordApplied("hold", reason, served.weight));
  }

  private async finish(outcome: Outcome, reason: string, kind: RolloutEventKind): Promise<RunResult> {
    const exitCode = exitCodeFor(outcome);
    await this.notify(kind, reason);
    this.emit({ type: "end", at: this.deps.clock(), outcome, exitCode, reason, state: this.current });
    return { outcome, exitCode, reason, state: this.current };
  }
}
