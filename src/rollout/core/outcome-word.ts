import type { DecisionRecord } from "./record";
import type { RolloutState } from "./state";

/**
 * The outcome's word for people: REFUSED for a release reverted before its canary took any
 * traffic, else the status in capitals. The state says whether a weight above 0 was ever asked
 * of the platform (`canaryServed`, absent in states written before it was kept); the journal, when
 * given, must agree: no decision saw or sent a weight above 0.
 */
export function outcomeWord(
  state: Pick<RolloutState, "status" | "canaryServed">,
  records?: readonly DecisionRecord[],
): string {
  if (state.status !== "reverted" || state.canaryServed === true) return state.status.toUpperCase();
  const journalSaysNone =
    records === undefined
      ? state.canaryServed === false
      : (state.canaryServed === false || records.length > 0) &&
        records.every((r) => r.weight === 0 && r.nextWeight === 0);
  return journalSaysNone ? "REFUSED" : "REVERTED";
}
