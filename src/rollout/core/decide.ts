import type { AnalysisState, Check, CheckAnalysis, Verdict } from "./analysis/check";
import { type PlanStep, REVERT_WEIGHT, type RolloutPlan } from "./plan";
import type { ActionKind, DecisionRecord, SignalRecord } from "./record";
import type { CounterLedger } from "./sample/ledger";
import { measuredOf } from "./sample/measured";
import { breachInWords, holdInWords, seconds } from "./text/plain-words";

/**
 * The next action from the plan, the current step's progress and one check's analysis. Pure.
 *
 * Order: NO-GO reverts; too many inconclusive checks in a row revert; a step advances (or, at the
 * last step, promotes) only when its bake time has passed AND it has seen `minRequests` canary
 * requests AND the verdict is GO (at the last step also the GO gate's evidence); past `maxSeconds` the step times out (hold or revert); anything
 * else holds. A step never advances on OBSERVE or INCONCLUSIVE.
 */

export interface StepProgress {
  /** 0-based index into the plan's steps. */
  index: number;
  /** Seconds since the rollout started at which this step's weight was applied. */
  startedAt: number;
  /** Canary requests observed at this weight so far. */
  requests: number;
  checks: number;
}

export interface CoreState {
  step: StepProgress;
  analysis: AnalysisState;
  /** Records written so far (the next gets seq + 1). */
  seq: number;
}

export interface Decision {
  action: ActionKind;
  verdict: Verdict;
  reasons: string[];
  nextWeight: number;
  timedOut: boolean;
  /** A check's record: its action is always a check's (never an operator's retire). */
  record: DecisionRecord & { action: ActionKind };
  state: CoreState;
}

export function firstStep(at = 0): StepProgress {
  return { index: 0, startedAt: at, requests: 0, checks: 0 };
}

export function decide(
  plan: RolloutPlan,
  state: CoreState,
  check: Check,
  analysis: CheckAnalysis,
  /** Epoch milliseconds of `at = 0`, for the record's wall-clock time. */
  startedAtMs = 0,
  /** Who paused the rollout (`ion-rollout pause`): a GO holds and the step never times out. */
  pausedBy?: string,
): Decision {
  const step = plan.steps[state.step.index];
  if (!step)
    throw new RangeError(`step ${state.step.index} is outside the plan (${plan.steps.length} steps)`);
  const requests = state.step.requests + countable(check.canary.requests);
  const elapsed = Math.max(0, check.at - state.step.startedAt);
  const last = step.index === plan.steps.length - 1;
  const { verdict, reasons } = gatedVerdict(analysis, step, requests, last);
  const chosen = chooseAction({ plan, step, analysis, verdict, reasons, requests, elapsed, pausedBy });
  const { action, timedOut } = chosen;
  const nextWeight = nextWeightOf(plan, step, action);
  const seq = state.seq + 1;
  const record: Decision["record"] = {
    seq,
    at: check.at,
    time: new Date(startedAtMs + check.at * 1000).toISOString(),
    step: step.index + 1,
    steps: plan.steps.length,
    weight: step.weight,
    verdict,
    action,
    reason: chosen.reason,
    reasons: reasons.length > 0 ? reasons : [chosen.reason],
    signals: analysis.signals.map(signalRecord),
    // The raw sample (and, under the sequential analysis, the ledger's counts) this check judged:
    // a journal replays to exactly these decisions (core/trace/from-journal.ts).
    measured: measuredOf(check, ledgerBefore(state.analysis, analysis.state)),
    bake: bakeRecord(step, elapsed, requests),
    inconclusiveStreak: analysis.state.inconclusiveStreak,
    maxInconclusiveChecks: plan.maxInconclusiveChecks,
    nextWeight,
    ...(timedOut ? { timedOut } : {}),
  };
  const nextStep: StepProgress =
    action === "advance"
      ? { index: step.index + 1, startedAt: check.at, requests: 0, checks: 0 }
      : { ...state.step, requests, checks: state.step.checks + 1 };
  return {
    action,
    verdict,
    reasons: record.reasons,
    nextWeight,
    timedOut,
    record,
    state: { step: nextStep, analysis: analysis.state, seq },
  };
}

/** Where the step's bake stands at this check: time and requests against what it needs. */
function bakeRecord(step: PlanStep, elapsed: number, requests: number): DecisionRecord["bake"] {
  return {
    elapsedSeconds: tenths(elapsed),
    bakeSeconds: step.bakeSeconds,
    requests,
    minRequests: step.minRequests,
    maxSeconds: step.maxSeconds ?? null,
  };
}

/** Canary requests a check adds to the step's evidence: a count, or nothing for no data. */
function countable(requests: number | null | undefined): number {
  return typeof requests === "number" && Number.isFinite(requests) && requests > 0 ? requests : 0;
}

/** Clock readings carry float noise (3.0009999 s); people read tenths. */
function tenths(seconds: number): number {
  return Math.round(seconds * 10) / 10;
}

/**
 * The analysis' verdict held back to OBSERVE where the step may not advance yet: at the last step
 * (the promotion), a sequentially judged signal whose evidence has not said "within the roll-back
 * limit", whatever its point estimate; any step short of its request minimum. The early steps
 * advance on the absence of harm: the revert tests keep running and gain power as weight and
 * traffic grow, and the cumulative evidence the promotion needs grows with them (docs/evidence.md).
 */
function gatedVerdict(analysis: CheckAnalysis, step: PlanStep, requests: number, last: boolean) {
  const reasons = [...analysis.reasons];
  let verdict = analysis.verdict;
  const outsideGate = analysis.signals.flatMap((s) =>
    last && s.evidence && !s.evidence.withinLimit ? [{ signal: s.signal, evidence: s.evidence }] : [],
  );
  if (outsideGate.length > 0 && verdict === "GO") verdict = "OBSERVE";
  for (const { signal, evidence } of outsideGate)
    reasons.push(
      `${signal}: GO gate not yet passed before promotion (evidence ${+evidence.go.toPrecision(3)} of ${+evidence.goBar.toPrecision(3)})`,
    );
  if (requests < step.minRequests) {
    if (verdict === "GO") verdict = "OBSERVE";
    reasons.push(`waiting for evidence: ${requests}/${step.minRequests} requests at ${step.weight}%`);
  }
  return { verdict, reasons };
}

/**
 * Order: NO-GO reverts; too many inconclusive checks in a row revert; GO after the bake advances
 * (or promotes at the last step); past `maxSeconds` the step times out; anything else holds.
 */
function chooseAction(input: {
  plan: RolloutPlan;
  step: PlanStep;
  analysis: CheckAnalysis;
  verdict: Verdict;
  reasons: string[];
  requests: number;
  elapsed: number;
  pausedBy?: string;
}): { action: ActionKind; reason: string; timedOut: boolean } {
  const { plan, step, analysis, verdict, reasons, requests, elapsed, pausedBy } = input;
  const shown = tenths(elapsed);
  const after = seconds(elapsed);
  const baked = elapsed >= step.bakeSeconds;
  if (analysis.verdict === "NO-GO") {
    const breaching = analysis.signals.filter((s) => s.verdict === "NO-GO");
    const also =
      breaching.length > 1
        ? ` (and ${breaching
            .slice(1)
            .map((s) => s.signal)
            .join(", ")})`
        : "";
    const first = breaching[0];
    const why = first ? breachInWords(first) : (analysis.reasons[0] ?? "NO-GO");
    return {
      action: "revert",
      reason: `reverted at ${step.weight}% after ${after}: ${why}${also}`,
      timedOut: false,
    };
  }
  if (analysis.state.inconclusiveStreak >= plan.maxInconclusiveChecks) {
    const reason = `reverted at ${step.weight}% after ${after}: ${analysis.state.inconclusiveStreak} inconclusive checks in a row (limit ${plan.maxInconclusiveChecks}): ${analysis.reasons[0] ?? "no data"}`;
    return { action: "revert", reason, timedOut: false };
  }
  if (pausedBy !== undefined) {
    const reason = `paused by ${pausedBy}: holding at ${step.weight}% (${verdict}${baked ? "" : `, baking ${shown}/${step.bakeSeconds} s`}) until \`ion-rollout resume\` or \`promote\``;
    return { action: "hold", reason, timedOut: false };
  }
  if (verdict === "GO" && baked) {
    const last = step.index === plan.steps.length - 1;
    const within = `every signal within its GO limit after ${after} and ${requests} requests at ${step.weight}%`;
    const reason = last ? within : `to ${plan.steps[step.index + 1]?.weight}%: ${within}`;
    return { action: last ? "promote" : "advance", reason, timedOut: false };
  }
  const last = step.index === plan.steps.length - 1;
  const holding = holdingWords(analysis, step, requests, elapsed, verdict, last);
  if (step.maxSeconds !== undefined && elapsed >= step.maxSeconds) {
    const action = plan.onStepTimeout === "revert" ? "revert" : "hold";
    const reason = `${action === "revert" ? "reverted" : "held"} at ${step.weight}% after ${after}: the step ran out of time (max ${seconds(step.maxSeconds)}) without a GO (${holding || verdict})`;
    return { action, reason, timedOut: true };
  }
  if (!baked && verdict === "GO") reasons.push(`baking ${shown}/${step.bakeSeconds} s`);
  return { action: "hold", reason: `holding at ${step.weight}%: ${holding || "holding"}`, timedOut: false };
}

/** Why a step is not advancing yet, in words: its bake, its request count, the signals holding it. */
function holdingWords(
  analysis: CheckAnalysis,
  step: PlanStep,
  requests: number,
  elapsed: number,
  verdict: Verdict,
  /** The last step, where the promotion waits for the GO gate's evidence. */
  gated: boolean,
): string {
  const why: string[] = [];
  if (elapsed < step.bakeSeconds)
    why.push(`baking, ${seconds(step.bakeSeconds - elapsed)} of ${seconds(step.bakeSeconds)} left`);
  if (requests < step.minRequests) why.push(`${requests} of ${step.minRequests} requests needed`);
  const signals = analysis.signals
    .map((s) => holdInWords(s, gated))
    .filter((w): w is string => w !== undefined);
  why.push(...signals);
  if (verdict !== "GO" && signals.length === 0 && analysis.reasons[0]) why.push(analysis.reasons[0]);
  return why.join("; ");
}

function nextWeightOf(plan: RolloutPlan, step: PlanStep, action: ActionKind): number {
  if (action === "revert") return REVERT_WEIGHT;
  if (action === "promote") return 100;
  if (action === "advance") return plan.steps[step.index + 1]?.weight ?? 100;
  return step.weight;
}

/** One signal's part of the record: what was asked, what came back, what it was compared with. */
function signalRecord(s: CheckAnalysis["signals"][number]): SignalRecord {
  return {
    signal: s.signal,
    ...(s.query === undefined ? {} : { query: s.query }),
    value: s.value,
    sampleSize: s.sampleSize,
    threshold: s.threshold,
    verdict: s.verdict,
    counter: s.counter,
    breach: s.breach,
    reason: s.reason,
    ...(s.detail === undefined ? {} : { detail: s.detail }),
    ...(s.evidence === undefined ? {} : { evidence: s.evidence }),
  };
}

/** The ledger a check's counts were taken against: the sequential one, or the consecutive one over counted periods. */
function ledgerBefore(before: AnalysisState, after: AnalysisState): CounterLedger | null | undefined {
  if (after.evidence !== undefined) return before.evidence?.ledger ?? null;
  return after.ledger === undefined ? undefined : (before.ledger ?? null);
}
