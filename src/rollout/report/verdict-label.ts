import type { DecisionRecord } from "../core/record";
import { onlyGathering } from "../core/text/plain-words";

/**
 * OBSERVE means a signal sits between GO and roll-back. A check whose every signal is GO but whose
 * step may not advance yet (the GO gate's evidence not in, or too few requests) is only gathering
 * evidence: shown so, never as OBSERVE beside a 0% error rate.
 */
export function gatheringEvidence(record: DecisionRecord): boolean {
  return record.verdict === "OBSERVE" && record.signals.length > 0 && record.signals.every(onlyGathering);
}

export function verdictLabel(record: DecisionRecord): string {
  return gatheringEvidence(record) ? "GATHERING" : record.verdict;
}
