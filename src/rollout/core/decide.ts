import type { AnalysisState, Check, CheckAnalysis, Verdict } from "./analysis";
import { measuredOf } from "./measured";
import { REVERT_WEIGHT, type RolloutPlan } from "./plan";
import type { ActionKind, DecisionRecord } from "./record";

/**
 * The next action from the plan, the current step's progress and one check's analysis. Pure.
 *
 * Order: NO-GO reverts; too many inconclusive checks in a row revert; a step advances (or, at the
 * last step, promotes) only when its bake time has passed AND it has seen `minRequests` canary
 * requests AND the verdict is GO; past `maxSeconds` the step times out (hold or revert); anything
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
): Decision {
  const step = plan.steps[state.step.index];
  if (!step)
    throw new RangeError(`step ${state.step.index} is outside the plan (${plan.steps.length} steps)`);
  const last = state.step.index === plan.steps.length - 1;
  const canaryRequests = check.canary.requests;
  const requests =
    state.step.requests +
    (typeof canaryRequests === "number" && Number.isFinite(canaryRequests) && canaryRequests > 0
      ? canaryRequests
      : 0);
  const elapsed = Math.max(0, check.at - state.step.startedAt);
  // Clock readings carry float noise (3.0009999 s); people read tenths.
  const shownElapsed = Math.round(elapsed * 10) / 10;
  const reasons = [...analysis.reasons];
  let verdict = analysis.verdict;
  // The GO gate by evidence: a signal judged sequentially advances only when its evidence says the
  // canary is within the roll-back limit (issue 11, defect 5), whatever its point estimate.
  const outsideGate = analysis.signals.flatMap((s) =>
    s.evidence && !s.evidence.withinLimit ? [{ signal: s.signal, evidence: s.evidence }] : [],
  );
  if (outsideGate.length > 0 && verdict === "GO") verdict = "OBSERVE";
  for (const { signal, evidence } of outsideGate)
    reasons.push(
      `${signal}: GO gate not yet passed (evidence ${+evidence.go.toPrecision(3)} of ${+evidence.goBar.toPrecision(3)})`,
    );
  const evidenceShort = requests < step.minRequests;
  if (evidenceShort && verdict === "GO") {
    verdict = "OBSERVE";
  }
  if (evidenceShort)
    reasons.push(`waiting for evidence: ${requests}/${step.minRequests} requests at ${step.weight}%`);
  const baked = elapsed >= step.bakeSeconds;

  let action: ActionKind;
  let reason: string;
  let timedOut = false;
  if (analysis.verdict === "NO-GO") {
    action = "revert";
    reason = `NO-GO: ${analysis.signals
      .filter((s) => s.verdict === "NO-GO")
      .map((s) => s.reason)
      .join("; ")}`;
  } else if (analysis.state.inconclusiveStreak >= plan.maxInconclusiveChecks) {
    action = "revert";
    reason = `${analysis.state.inconclusiveStreak} inconclusive checks in a row (limit ${plan.maxInconclusiveChecks}): ${analysis.reasons[0] ?? "no data"}`;
  } else if (verdict === "GO" && baked) {
    action = last ? "promote" : "advance";
    reason = last
      ? `GO at ${step.weight}% after ${shownElapsed} s and ${requests} requests: promote`
      : `GO at ${step.weight}% after ${shownElapsed} s and ${requests} requests: next step ${plan.steps[step.index + 1]?.weight}%`;
  } else if (step.maxSeconds !== undefined && elapsed >= step.maxSeconds) {
    timedOut = true;
    action = plan.onStepTimeout === "revert" ? "revert" : "hold";
    reason = `step ${step.index + 1} timed out after ${shownElapsed} s (max ${step.maxSeconds} s) without GO (${verdict}${reasons[0] ? `: ${reasons[0]}` : ""}); ${action === "revert" ? "reverting" : "holding at this weight"}`;
  } else {
    action = "hold";
    const why: string[] = [];
    if (!baked) why.push(`baking ${shownElapsed}/${step.bakeSeconds} s`);
    if (verdict !== "GO") why.push(`${verdict}${reasons.length > 0 ? `: ${reasons.join("; ")}` : ""}`);
    reason = why.join("; ") || "holding";
  }
  if (action === "hold" && !baked && verdict === "GO")
    reasons.push(`baking ${shownElapsed}/${step.bakeSeconds} s`);

  const nextWeight =
    action === "revert"
      ? REVERT_WEIGHT
      : action === "promote"
        ? 100
        : action === "advance"
          ? (plan.steps[step.index + 1]?.weight ?? 100)
          : step.weight;
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
    reason,
    reasons: reasons.length > 0 ? reasons : [reason],
    signals: analysis.signals.map((s) => ({
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
    })),
    // The raw sample (and, under the sequential analysis, the ledger's counts) this check judged:
    // a journal replays to exactly these decisions (core/trace-from-journal.ts).
    measured: measuredOf(
      check,
      analysis.state.evidence === undefined ? undefined : (state.analysis.evidence?.ledger ?? null),
    ),
    bake: {
      elapsedSeconds: shownElapsed,
      bakeSeconds: step.bakeSeconds,
      requests,
      minRequests: step.minRequests,
      maxSeconds: step.maxSeconds ?? null,
    },
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
