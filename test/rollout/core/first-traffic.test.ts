import { describe, expect, it } from "vitest";
import { firstTrafficAt } from "../../../src/rollout/core/first-traffic";
import { actionRecord, type DecisionRecord } from "../../../src/rollout/core/record";

const position = { startedAtMs: 0, steps: 2, weight: 50 };

/** A check's record: only what dates it matters here (a check record has signals, a gate's none). */
function check(seq: number, at: number, step: number, elapsedSeconds: number): DecisionRecord {
  const base = actionRecord({ ...position, seq, at, step, action: "hold", reason: "baking", nextWeight: 50 });
  return {
    ...base,
    signals: [
      {
        signal: "memory",
        value: 0.2,
        sampleSize: null,
        verdict: "GO",
        counter: 0,
        breach: false,
        reason: "ok",
        threshold: { rollbackAbove: 0.85, goAtMost: 0.85, consecutive: 2 },
      },
    ],
    bake: { ...base.bake, elapsedSeconds },
  } as DecisionRecord;
}

describe("firstTrafficAt: when step 1's weight landed, from its first check", () => {
  it("a start that deployed and gated for 4.4 s: the first check at 7.4 s had baked 3 s", () => {
    const gate = actionRecord({
      ...position,
      seq: 1,
      at: 4.3,
      step: 1,
      action: "advance",
      reason: "pre-traffic GO",
      nextWeight: 50,
    });
    expect(firstTrafficAt([gate, check(2, 7.4, 1, 3), check(3, 10.4, 1, 6)])).toBeCloseTo(4.4, 9);
  });

  it("no check of step 1 journaled (the gate refused the canary): undefined", () => {
    const refused = actionRecord({
      ...position,
      seq: 1,
      at: 4.3,
      step: 1,
      action: "revert",
      reason: "pre-traffic NO-GO",
      nextWeight: 0,
    });
    expect(firstTrafficAt([refused])).toBeUndefined();
  });
});
