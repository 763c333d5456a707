import { type Check, warmAnalysis } from "../core/analysis/check";
import { decideCheck } from "../core/check-decision";
import type { Decision } from "../core/decide";
import type { RunnerEvent, RunResult } from "../core/events";
import { buildPlan } from "../core/plan";
import { refuseOutOfDomain } from "../core/sample/domain";
import { maxCountPerCheck } from "../core/sample/plausible-counts";
import { emptySideSample, type MetricsSample } from "../core/sample/sample";
import { isActive } from "../core/state";
import type { Gate } from "../edges/probes/types";
import { abortableSleep, type Sleep } from "../edges/sleep";
import type { MetricsSource, Notifier, TrafficDriver } from "../edges/types";
import type { Lease, LeaseOptions } from "../store/lease";
import type { RolloutRecords } from "../store/rollout-records";
import { stoppedByAbortRequest } from "./abort-request";
import { RolloutController } from "./controller";
import { newestSampleMustAdvance } from "./freshness";
import { keepLease } from "./lease-keeper";
import { type PrepareOptions, prepareState } from "./prepare";
import { stepAtServedWeight } from "./resume";
import { stageRecords } from "./stage-store";
import { type LeaseScope, takeTrafficLease } from "./traffic-lease";

export { RolloutRefused } from "./prepare";

/** What an interrupt does: `--on-interrupt`. */
export type InterruptAction = "revert" | "hold" | "handover";

/**
 * The rollout loop: take the lock, bring the platform to the current step, then every check
 * interval sample, judge and act through the controller until an outcome. Time and sleeping are
 * injected, so tests run it in fake time.
 */

export interface RunOptions extends PrepareOptions {
  driver: TrafficDriver;
  metrics: MetricsSource;
  notifier?: Notifier;
  /** Epoch ms, for records only; default Date.now. */
  clock?: () => number;
  /** Monotonic ms, what checks and steps are scheduled on; default performance.now (or `clock` when a test injects one). */
  monotonic?: () => number;
  /** Resolves after `ms`; may reject early when `signal` aborts. Default: real time. */
  sleep?: Sleep;
  /** SIGINT/SIGTERM: stop at the next safe point. */
  signal?: AbortSignal;
  onEvent?: (event: RunnerEvent) => void;
  /**
   * On interrupt: revert (default), hold the current weight (the lease is released: with no runner
   * judging it, `reconcile` reverts it), or handover: hold and leave the lease for `resume` of this
   * rollout within `rollout.lease.handoverSeconds` (a CI job's deadline; the next job resumes).
   */
  onInterrupt?: InterruptAction;
  /** Test seams for the lease on the traffic target (who holds it, which pids are alive). */
  lease?: Partial<Omit<LeaseOptions, "ttlMs">> & { hostLeaseDir?: string };
  /** The project directory (the stage file's); default the working directory. */
  projectDir?: string;
  /** Longest single sleep, so operator requests are picked up quickly (default 1000 ms). */
  pollMs?: number;
  /** Before the canary takes any traffic: its own endpoint answers (health, probe, command). */
  preTraffic?: Gate;
  /** After 100% and before PROMOTED: the public endpoint answers. */
  postPromotion?: Gate;
  /** Where state, journal and requests live; default the stage's store (`rollout.store`). */
  records?: RolloutRecords;
}

/** The options of a run once its records are opened. */
type Running = RunOptions & { records: RolloutRecords; scope: LeaseScope };

export async function runRollout(given: RunOptions): Promise<RunResult> {
  const { cfg } = given;
  const clock = given.clock ?? Date.now;
  const plan = buildPlan(cfg);
  warmAnalysis(cfg);
  const hostLeaseDir = given.lease?.hostLeaseDir;
  // One scope, so the records and the lease share one opened store.
  const scope: LeaseScope = {
    cfg,
    projectDir: given.projectDir ?? process.cwd(),
    stateDir: given.stateDir,
    ...(hostLeaseDir ? { hostLeaseDir } : {}),
  };
  const options: Running = { ...given, scope, records: given.records ?? stageRecords(scope) };
  const lease = await takeRunnerLease(options, clock);
  // The lease is real time on the store: renewed on real timers even when a test fakes the rollout's time.
  const keeper = keepLease(lease, {
    renewMs: cfg.rollout.lease.renewSeconds * 1000,
    sleep: abortableSleep,
    warn: (message) => options.onEvent?.({ type: "warning", at: clock(), message }),
  });
  let result: RunResult | undefined;
  try {
    const served = await servedWeight(options);
    const prepared = await prepareState(options, plan, clock(), served);
    const controller = new RolloutController(
      {
        ...options,
        plan,
        clock,
        monotonic: options.monotonic ?? (options.clock ? clock : () => performance.now()),
        sleep: options.sleep ?? abortableSleep,
        emit: options.onEvent,
        leaseLost: keeper.lost,
      },
      prepared.state,
    );
    const outOfBand = await reconcile(controller, options, served, prepared.stored);
    if (lease.tookOver && !outOfBand) controller.warn(`took over ${lease.tookOver}`);
    result =
      outOfBand ??
      (await untilLeaseLost(
        drive(controller, options, served).catch((error: unknown) => failSafe(controller, options, error)),
        keeper.lost,
      ));
    return result;
  } finally {
    // Work the driver left running after a served change (a stack brought into agreement after a
    // fast revert) ends under this lease, so no other runner drives the stack meanwhile.
    await options.driver.settle?.();
    await keeper.stop();
    await leaveLease(lease, result, options);
  }
}

/**
 * The lease on the stage's traffic target; a resume takes over its own rollout's handover (or,
 * with nothing recorded, the served rollout's).
 */
async function takeRunnerLease(options: Running, clock: () => number): Promise<Lease> {
  const { cfg, mode } = options;
  const { hostLeaseDir: _inScope, ...leaseOptions } = options.lease ?? {};
  const resumes = mode === "resume" ? await recordedRolloutId(options) : undefined;
  return takeTrafficLease(options.scope, {
    ...leaseOptions,
    now: clock,
    command: `ion-rollout ${mode} ${cfg.stage}`,
    takesHandover: (handover) => mode === "resume" && (resumes ?? handover.rolloutId) === handover.rolloutId,
  });
}

/** The rollout `resume` continues, as recorded; undefined when nothing readable is recorded. */
async function recordedRolloutId(options: Running): Promise<string | undefined> {
  try {
    return (await options.records.readState())?.id;
  } catch {
    return undefined;
  }
}

/**
 * At the end: a rollout held by a stop signal under `--on-interrupt handover` leaves the lease to
 * its next job's `resume` for the handover window; every other end releases it. A failed write
 * is said: the lease then lapses after its ttl and `reconcile` reverts the held canary.
 */
async function leaveLease(lease: Lease, result: RunResult | undefined, options: RunOptions): Promise<void> {
  const clock = options.clock ?? Date.now;
  const warn = (message: string) => options.onEvent?.({ type: "warning", at: clock(), message });
  const handover = result !== undefined && handsOver(result, options);
  try {
    if (!handover) return await lease.release();
    const windowSeconds = options.cfg.rollout.lease.handoverSeconds;
    await lease.handOver(result.state.id, windowSeconds * 1000);
    warn(
      `handed over the lease on ${lease.holder.target} to \`ion-rollout resume ${result.state.stage}\` of rollout ${result.state.id} for ${windowSeconds} s (rollout.lease.handoverSeconds); if no job resumes it by then, \`reconcile\` reverts it`,
    );
  } catch (error) {
    warn(
      `could not ${handover ? "hand over" : "release"} the lease (${(error as Error).message}); it lapses after rollout.lease.ttlSeconds`,
    );
  }
}

/** A hold taken because the run was stopped (a CI job's deadline), not because the loop failed. */
function handsOver(result: RunResult, options: RunOptions): boolean {
  return (
    options.onInterrupt === "handover" &&
    options.signal?.aborted === true &&
    result.outcome === "held" &&
    result.state.heldBy === "interrupt"
  );
}

/**
 * The rollout's result, unless the lease is lost first: then this rejects at once with the
 * `LeaseLostError` (another runner may drive now), and the controller refuses every later apply
 * and write of the rollout left behind.
 */
function untilLeaseLost(run: Promise<RunResult>, lost: AbortSignal): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (lost.aborted) reject(lost.reason);
    lost.addEventListener("abort", () => reject(lost.reason), { once: true });
    run.then(resolve, (error: unknown) => (lost.aborted ? undefined : reject(error)));
  });
}

async function drive(
  controller: RolloutController,
  options: Running,
  served: number | undefined,
): Promise<RunResult> {
  // A request in the file before this rollout's state exists was written for an earlier one.
  const leftover = options.mode === "start" ? await operatorRequest(controller, options) : undefined;
  if (leftover && leftover !== "stepped") return leftover;
  await controller.begin(options.mode);
  if (options.mode === "resume") {
    const pending = await controller.completeRecordedTransition(options.signal);
    if (pending) return pending;
  }
  const entered = await enterCurrentStep(controller, options, served);
  if (entered !== "applied") return entered === "interrupted" ? interrupted(controller, options) : entered;
  const fresh = newestSampleMustAdvance();
  for (;;) {
    const stop = await waitForNextCheck(controller, options);
    if (stop) return stop;
    const decision = await judgeCheck(controller, options, fresh);
    if (options.signal?.aborted) return interrupted(controller, options);
    // Act first, record after: a revert never waits on (or fails with) a journal write.
    if (decision.action === "revert") return controller.revertDecided(decision.record, decision.state);
    await controller.recordDecision(decision);
    const outcome = await act(controller, decision, options);
    if (outcome) return outcome;
  }
}

/**
 * A start deploys the canary at 0%, waits until it is ready, asks the pre-traffic gate, then
 * applies step 1; a resume re-applies its step unless the platform already serves it (and deploys
 * and asks the gate again if the canary has had no traffic yet).
 */
async function enterCurrentStep(controller: RolloutController, options: Running, served: number | undefined) {
  const index = controller.state.core.step.index;
  const step = controller.plan.steps[index];
  const deployed = await controller.deployBeforeTraffic(options.signal);
  if (deployed === "interrupted" || options.signal?.aborted) return "interrupted" as const;
  if (deployed !== "ready") return deployed;
  const gate = await stoppedByAbortRequest(
    controller,
    { ...options, sleep: options.sleep ?? abortableSleep },
    (signal) => controller.passPreTrafficGate(step?.weight ?? 0, signal),
  );
  if (options.signal?.aborted) return "interrupted" as const;
  if (gate.result) return gate.result;
  // The gate passed although an abort stopped it (it had finished): nothing is applied after an abort.
  if (gate.abortedBy) return controller.abortBy(gate.abortedBy);
  // `served` was read once under the lock, before the state was prepared (resume only).
  // Never below what users already get (`keepServedStep` chose the step at or below it).
  if (options.mode === "resume" && served !== undefined && served >= (step?.weight ?? 0))
    return "applied" as const;
  return controller.applyStep(index, options.signal, options.mode === "start");
}

/**
 * Sleeps until the next check on the step's own schedule (step start + k intervals, so a resumed
 * step keeps its planned end), answering an interrupt or an operator request at once. The
 * schedule is the controller's monotonic time axis, never the wall clock.
 */
async function waitForNextCheck(
  controller: RolloutController,
  options: Running,
): Promise<RunResult | undefined> {
  const sleep = options.sleep ?? abortableSleep;
  const interval = controller.plan.checkIntervalSeconds * 1000;
  const elapsed = () => controller.elapsedMs();
  const nextCheckOf = () => {
    const stepStartMs = Math.round(controller.state.core.step.startedAt * 1000);
    return stepStartMs + (Math.floor((elapsed() - stepStartMs) / interval) + 1) * interval;
  };
  let nextCheck = nextCheckOf();
  for (;;) {
    if (options.signal?.aborted) return interrupted(controller, options);
    const request = await operatorRequest(controller, options);
    if (request === "stepped") nextCheck = nextCheckOf();
    else if (request) return request;
    if (elapsed() >= nextCheck) return undefined;
    await sleep(Math.min(options.pollMs ?? 1000, nextCheck - elapsed()), options.signal).catch(() => {});
  }
}

async function judgeCheck(
  controller: RolloutController,
  options: RunOptions,
  fresh: (sample: MetricsSample) => MetricsSample,
): Promise<Decision> {
  const clock = options.clock ?? Date.now;
  const at = controller.now();
  let sample: MetricsSample;
  try {
    const analysis = controller.state.core.analysis;
    const countedUntil = (analysis.evidence?.ledger ?? analysis.ledger)?.at;
    sample = await options.metrics.sample(options.signal, {
      since: controller.state.startedAt,
      ...(countedUntil === undefined ? {} : { countedUntil }),
    });
  } catch (error) {
    sample = noData(clock(), `${options.metrics.description}: ${(error as Error).message}`);
  }
  // Impossible values, counts no service could serve and frozen data are no data, never banked as requests.
  sample = refuseOutOfDomain(fresh(sample), maxCountPerCheck(options.cfg.rollout));
  const check: Check = {
    at,
    canary: sample.canary,
    stable: sample.stable,
    queries: sample.queries,
    errors: sample.errors,
    ...(sample.counters ? { counters: sample.counters } : {}),
  };
  const state = controller.state;
  return decideCheck(options.cfg, controller.plan, state.core, check, state.startedAt, state.pausedBy);
}

async function act(
  controller: RolloutController,
  decision: Decision,
  options: RunOptions,
): Promise<RunResult | undefined> {
  const { seq, reason } = decision.record;
  if (decision.action === "promote") return controller.promote(reason, seq, options.signal);
  if (decision.action === "hold")
    return decision.timedOut ? controller.holdOnTimeout(reason, seq) : undefined;
  const applied = await controller.applyStep(controller.state.core.step.index, options.signal);
  if (applied === "interrupted") return interrupted(controller, options);
  return applied === "applied" ? undefined : applied;
}

/** What the platform serves now (resume only): the truth the stored state is reconciled with. */
function servedWeight(options: RunOptions): Promise<number | undefined> {
  if (options.mode !== "resume") return Promise.resolve(undefined);
  return options.driver.currentCanaryWeight().catch(() => undefined);
}

/**
 * Says how the stored state and the deployed weight differ. A canary the platform no longer
 * serves (0%: reverted outside the runner) is recorded as reverted, never stepped up again.
 */
async function reconcile(
  controller: RolloutController,
  options: Running,
  served: number | undefined,
  stored: boolean,
): Promise<RunResult | undefined> {
  const state = controller.state;
  if (options.mode !== "resume" || served === undefined) return undefined;
  if (!stored) {
    controller.warn(
      `no rollout state in ${options.records.description}: resuming from the deployed weight ${served}% and the stack's releases (${state.releases.canary.name} over ${state.releases.stable.name}) at step ${state.core.step.index + 1}; the evidence restarts from zero`,
    );
    return undefined;
  }
  if (served !== state.weight)
    controller.warn(`the platform serves ${served}% but the state says ${state.weight}%`);
  if (served === 0 && state.weight !== 0) {
    return controller.revertBecause(
      `the platform serves 0%: reverted outside the runner (the state said ${state.weight}%)`,
    );
  }
  await keepServedStep(controller, served);
  return undefined;
}

/** A platform serving more than the stored step (a later weight was applied) is never moved back. */
async function keepServedStep(controller: RolloutController, served: number): Promise<void> {
  const index = stepAtServedWeight(controller.plan, controller.state, served);
  if (index === undefined) return;
  controller.warn(
    `the platform serves ${served}%, above step ${controller.state.core.step.index + 1}: continuing from step ${index + 1} (${controller.plan.steps[index]?.weight}%) at the served weight, never moving the split back`,
  );
  await controller.continueAtServedStep(index, served);
}

/**
 * An interrupt (a signal, a closed pipe, an uncaught error: `cause`, or the abort's reason, says
 * which): the configured safe action, revert (default) or hold.
 */
function interrupted(controller: RolloutController, options: RunOptions, cause?: string): Promise<RunResult> {
  const why = cause ?? (typeof options.signal?.reason === "string" ? options.signal.reason : "interrupted");
  return controller.stopOnInterrupt(
    why,
    options.onInterrupt === "revert" || !options.onInterrupt ? "revert" : "hold",
  );
}

/** The loop itself failed: the safe action if the rollout is still between weights, then the error is told. */
async function failSafe(
  controller: RolloutController,
  options: RunOptions,
  error: unknown,
): Promise<RunResult> {
  if (!isActive(controller.state)) throw error;
  const message = error instanceof Error ? error.message : String(error);
  controller.warn(`runner error: ${message}`);
  return interrupted(controller, options, `runner error: ${message}`);
}

/**
 * An operator's request from another shell or machine (`store/rollout-records.ts`): an abort or a full promote ends
 * the rollout; a one-step promote applies the next step ("stepped": the check schedule restarts);
 * a pause or resume changes whether a GO advances.
 */
async function operatorRequest(
  controller: RolloutController,
  options: Running,
): Promise<RunResult | "stepped" | undefined> {
  const taken = await options.records.takeRequest(controller.state.id);
  if (!taken) return undefined;
  if ("discarded" in taken) {
    controller.warn(`discarded ${taken.discarded}: a request acts only on the rollout it names`);
    return undefined;
  }
  const { request } = taken;
  const { by } = request;
  switch (request.action) {
    case "abort":
      return controller.abortBy(by);
    case "pause":
      await controller.pauseBy(by);
      return undefined;
    case "resume":
      await controller.resumeBy(by);
      return undefined;
    case "promote": {
      if (request.full) return controller.promoteBy(by);
      const stepped = await controller.advanceBy(by, options.signal);
      if (stepped === "interrupted") return interrupted(controller, options);
      return stepped === "applied" ? "stepped" : stepped;
    }
  }
}

function noData(at: number, error: string): MetricsSample {
  return { at, canary: emptySideSample(), stable: emptySideSample(), queries: {}, errors: [error] };
}
