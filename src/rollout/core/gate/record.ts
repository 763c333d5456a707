import { actionRecord, type DecisionRecord, type RecordPosition } from "../record";
import type { GateRecord } from "./types";

/**
 * The journal's view of a gate: the pre-traffic gate before the first step, the post-promotion
 * check after 100%. Pure: the probes (edges/probes) produce the outcomes, this turns them into a
 * decision record the store appends and `explain` and the report show.
 */

/** `pre-traffic NO-GO: health canary: 0/3 2xx (503)` — the first failure named. */
export function gateReason(gate: GateRecord): string {
  const verdict = gate.passed ? "GO" : "NO-GO";
  const failed = gate.probes.filter((p) => !p.passed);
  const shown = gate.passed ? gate.probes : failed;
  const what = shown.map((p) => `${p.probe} ${p.target}: ${p.summary}`).join("; ");
  return `${gate.kind} ${verdict}${what ? `: ${what}` : " (no probes configured)"}`;
}

export function gateDecisionRecord(
  input: RecordPosition & {
    gate: GateRecord;
    /** Weight after the decision: the next step's (or 100) on GO, the revert weight on NO-GO. */
    nextWeight: number;
  },
): DecisionRecord {
  const { gate } = input;
  const action = gate.passed ? (gate.kind === "pre-traffic" ? "advance" : "promote") : "revert";
  const reason = gateReason(gate);
  const base = actionRecord({ ...input, action, reason });
  return {
    ...base,
    verdict: gate.passed ? "GO" : "NO-GO",
    reasons: gate.probes.map(
      (p) => `${p.probe} ${p.target}: ${p.passed ? "passed" : "FAILED"}, ${p.summary}`,
    ),
    gate,
  };
}
