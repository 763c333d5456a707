import type { Release } from "../../config";
import type { Outcome } from "./outcome";
import type { RolloutPlan } from "./plan";
import type { DecisionRecord } from "./record";
import type { RolloutState } from "./state";

/** What the controller reports as a rollout runs: the live view, JSON events and tests read these. */
export type RunnerEvent =
  | {
      type: "start";
      at: number;
      stage: string;
      mode: "start" | "resume";
      plan: RolloutPlan;
      state: RolloutState;
    }
  | { type: "deploy"; at: number; release: Release; phase: "deploying" | "ready"; detail?: string }
  | { type: "apply"; at: number; weight: number; reason: string; rolloutInProgress: boolean }
  | { type: "check"; at: number; record: DecisionRecord; state: RolloutState }
  | { type: "warning"; at: number; message: string }
  | { type: "end"; at: number; outcome: Outcome; exitCode: number; reason: string; state: RolloutState };

/** What a rollout run, or an operator's action through the controller, ended with. */
export interface RunResult {
  outcome: Outcome;
  exitCode: number;
  reason: string;
  state: RolloutState;
}
