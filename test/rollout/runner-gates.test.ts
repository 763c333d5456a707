import { describe, expect, it } from "vitest";
import { type RunOptions, runRollout } from "../../src/rollout/controller/runner";
import type { GateRecord } from "../../src/rollout/core/gate/types";
import type { Gate } from "../../src/rollout/edges/probes/types";
import { readJournal, readState, writeState } from "../support/records";
import { fakeRun } from "./fakes";
import { prodWith } from "./fixtures";

const cfg = () =>
  prodWith({
    rollout: { bakeSeconds: 120, checkIntervalSeconds: 60, minRequestsPerStep: 0, maxStepSeconds: 600 },
  });

function fakeGate(kind: GateRecord["kind"], passed: boolean, calls: string[]): Gate {
  return {
    kind,
    description: kind,
    check: async () => {
      calls.push(kind);
      return {
        kind,
        passed,
        probes: [
          {
            probe: "health",
            target: "canary http://c/health",
            passed,
            summary: passed ? "3/3 2xx" : "0/3 2xx; request 1: 503",
          },
        ],
      };
    },
  };
}

const setup = (overrides: Partial<RunOptions>) => fakeRun(cfg(), overrides);

describe("the pre-traffic gate and the post-promotion check in the runner", () => {
  it("a failing pre-traffic gate leaves the canary at 0%, records pre-traffic NO-GO, notifies, exits 2", async () => {
    const calls: string[] = [];
    const { driver, notifier, options } = setup({ preTraffic: fakeGate("pre-traffic", false, calls) });
    const result = await runRollout(options);
    expect(result).toMatchObject({ outcome: "reverted", exitCode: 2 });
    expect(driver.weights().every((w) => w === 0)).toBe(true);
    const journal = await readJournal(options.stateDir, "prod");
    expect(journal).toHaveLength(1);
    expect(journal[0]).toMatchObject({ verdict: "NO-GO", action: "revert", weight: 0, nextWeight: 0 });
    expect(journal[0]?.reason).toBe(
      "pre-traffic NO-GO: health canary http://c/health: 0/3 2xx; request 1: 503",
    );
    expect(await readState(options.stateDir, "prod")).toMatchObject({
      status: "reverted",
      weight: 0,
      causedBy: 1,
    });
    expect(notifier.events.map((e) => e.kind)).toEqual(["start", "revert"]);
    expect(notifier.events.at(-1)?.message).toContain("pre-traffic NO-GO");
  });

  it("a passing gate is journaled as GO before the first step, then the rollout runs", async () => {
    const calls: string[] = [];
    const { driver, options } = setup({
      preTraffic: fakeGate("pre-traffic", true, calls),
      postPromotion: fakeGate("post-promotion", true, calls),
    });
    const result = await runRollout(options);
    expect(result.outcome).toBe("promoted");
    expect(calls).toEqual(["pre-traffic", "post-promotion"]);
    expect(driver.weights()).toEqual([5, 10, 25, 50, 100, 100]);
    const journal = await readJournal(options.stateDir, "prod");
    expect(journal[0]).toMatchObject({ verdict: "GO", action: "advance", weight: 0, nextWeight: 5 });
    expect(journal.at(-1)).toMatchObject({ verdict: "GO", action: "promote", weight: 100 });
    expect(journal.at(-1)?.reason).toMatch(/^post-promotion GO/);
  });

  it("a failing post-promotion check reverts like a breach (never PROMOTED)", async () => {
    const calls: string[] = [];
    const { driver, options } = setup({ postPromotion: fakeGate("post-promotion", false, calls) });
    const result = await runRollout(options);
    expect(result).toMatchObject({ outcome: "reverted", exitCode: 2 });
    expect(driver.weights().slice(-2)).toEqual([100, 0]);
    const state = await readState(options.stateDir, "prod");
    expect(state).toMatchObject({ status: "reverted", weight: 0 });
    expect(state?.reason).toContain("post-promotion NO-GO");
  });

  it("resume runs the gate only while the canary has no traffic", async () => {
    const calls: string[] = [];
    const first = setup({ preTraffic: fakeGate("pre-traffic", false, calls) });
    await runRollout(first.options);
    // A held rollout at 10% resumes without asking the canary again.
    const state = await readState(first.options.stateDir, "prod");
    if (!state) throw new Error("no state");
    await writeState(first.options.stateDir, {
      ...state,
      status: "held",
      heldBy: "interrupt",
      weight: 10,
      lastDecision: undefined,
      core: { ...state.core, step: { ...state.core.step, index: 1 } },
    });
    const again = setup({
      preTraffic: fakeGate("pre-traffic", true, calls),
      mode: "resume",
      stateDir: first.options.stateDir,
    });
    // The platform serves the recorded 10% (else resume would record a revert made outside it).
    again.driver.weight = 10;
    await runRollout(again.options);
    expect(calls).toEqual(["pre-traffic"]);
    // A rollout that crashed before its first step (weight 0) is asked again on resume.
    const zero = await readState(first.options.stateDir, "prod");
    if (!zero) throw new Error("no state");
    await writeState(first.options.stateDir, {
      ...zero,
      status: "running",
      weight: 0,
      lastDecision: undefined,
      core: { ...zero.core, step: { ...zero.core.step, index: 0 } },
    });
    const third = setup({
      preTraffic: fakeGate("pre-traffic", true, calls),
      mode: "resume",
      stateDir: first.options.stateDir,
    });
    await runRollout(third.options);
    expect(calls).toEqual(["pre-traffic", "pre-traffic"]);
  });
});
