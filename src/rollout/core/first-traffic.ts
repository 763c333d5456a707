import type { DecisionRecord } from "./record";

/**
 * When the canary took its first traffic, in the journal's seconds (`at`): a rollout starts at 0
 * by deploying the canary at 0% and asking the pre-traffic gate, so step 1's weight lands seconds
 * later. Step 1's first check records how long the step had baked, which dates it. Undefined
 * when no check of step 1 was journaled. A trace of the rollout starts there: its checks then fall
 * where the runner's did, and its first one counts traffic the canary really had.
 */
export function firstTrafficAt(records: readonly DecisionRecord[]): number | undefined {
  const first = records.find((record) => record.step === 1 && record.signals.length > 0);
  return first === undefined ? undefined : Math.max(0, first.at - first.bake.elapsedSeconds);
}
