import { describe, expect, it } from "vitest";
import { runRollout } from "../../../src/rollout/controller/runner";
import { readJournal, readState } from "../../support/records";
import { fakeRun } from "../fakes";
import { consecutiveProdWith } from "../fixtures";

const quick = () =>
  consecutiveProdWith({
    rollout: { bakeSeconds: 120, checkIntervalSeconds: 60, minRequestsPerStep: 0, maxStepSeconds: 600 },
  });

describe("drift: a split changed outside the runner between two checks", () => {
  it("is reported, the runner holds and notifies, and nothing is applied over it", async () => {
    const run = fakeRun(quick());
    // Someone sets the canary to 50% in the console during step 1's bake.
    run.time.onSleep = (now) => {
      if (now >= run.time.at(90) && run.driver.applied.length === 1) run.driver.weight = 50;
      return undefined;
    };
    const result = await runRollout(run.options);
    expect(result.outcome).toBe("held");
    expect(run.driver.weights()).toEqual([5]); // step 2 (10%) never applied over the 50%
    expect(run.driver.weight).toBe(50);
    const state = await readState(run.options.stateDir, "prod");
    expect(state).toMatchObject({ status: "held", heldBy: "drift" });
    expect(state?.reason).toMatch(/serves 50%.*last applied 5%.*changed outside ion-rollout/);
    const hold = run.notifier.events.find((e) => e.kind === "hold");
    expect(hold?.message).toMatch(/drift/);
    expect((await readJournal(run.options.stateDir, "prod")).at(-1)).toMatchObject({ action: "hold" });
  });

  it("a split that was not touched is not drift: the rollout steps on", async () => {
    const run = fakeRun(quick());
    const result = await runRollout(run.options);
    expect(result.outcome).toBe("promoted");
  });
});

describe("drift before this rollout's first step", () => {
  it("the previous release promoted to 100% is not drift: the new rollout starts", async () => {
    const run = fakeRun(quick());
    run.driver.weight = 100; // the last rollout's canary, promoted
    const result = await runRollout(run.options);
    expect(result.outcome).toBe("promoted");
    expect(run.driver.weights()[0]).toBe(5);
  });
});
