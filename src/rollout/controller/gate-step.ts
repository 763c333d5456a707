import { gateDecisionRecord, gateReason } from "../core/gate-record";
import type { RolloutPlan } from "../core/plan";
import type { DecisionRecord } from "../core/record";
import type { Gate } from "../edges/probes/types";
import { appendRecord } from "../store/journal";
import type { RolloutState } from "../store/state";

/**
 * Runs one gate (pre-traffic, post-promotion) for the controller and journals its decision. The
 * controller then saves the state with the record and, on NO-GO, reverts: the same path as a breach.
 */
export interface GateStepInput {
  dir: string;
  state: RolloutState;
  plan: RolloutPlan;
  /** Seconds since the rollout started. */
  at: number;
  /** The weight in force while the gate ran, and the one its GO leads to. */
  weight: number;
  nextWeight: number;
  signal?: AbortSignal;
}

export interface GateStepResult {
  passed: boolean;
  reason: string;
  record: DecisionRecord;
}

export async function checkGate(gate: Gate, input: GateStepInput): Promise<GateStepResult> {
  const outcome = await gate.check(input.signal);
  const { state, plan } = input;
  const record = gateDecisionRecord({
    gate: outcome,
    seq: state.core.seq + 1,
    at: input.at,
    startedAtMs: state.startedAt,
    step: state.core.step.index + 1,
    steps: plan.steps.length,
    weight: input.weight,
    nextWeight: outcome.passed ? input.nextWeight : state.lastSafeWeight,
  });
  appendRecord(input.dir, state.stage, record);
  return { passed: outcome.passed, reason: gateReason(outcome), record };
}
