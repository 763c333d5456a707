import { describe, expect, it } from "vitest";
import { freshState } from "../../../src/rollout/controller/prepare";
import { RolloutRefused, runRollout } from "../../../src/rollout/controller/runner";
import type { RunnerEvent } from "../../../src/rollout/core/events";
import { buildPlan, REVERT_WEIGHT } from "../../../src/rollout/core/plan";
import { actionRecord, type RecordAction } from "../../../src/rollout/core/record";
import type { MetricsSample } from "../../../src/rollout/core/sample/sample";
import { appendRecord, readState, writeState } from "../../support/records";
import { FakeDriver, FakeMetrics, FakeTime, tempDir } from "../fakes";
import { prodWith } from "../fixtures";

/** Resume after a crash and the runner's own errors: a canary is never left or promoted half-way. */

const cfg = prodWith({ rollout: { bakeSeconds: 0, checkIntervalSeconds: 60 } });

/**
 * What a runner that died leaves on disk: a running state at `weight` on step `index` (0-based)
 * and, when `last` is given, that action journaled as the state's latest record.
 */
async function leftByDeadRunner(
  dir: string,
  time: FakeTime,
  at: { weight: number; index: number },
  last?: { action: RecordAction; reason: string; nextWeight: number },
): Promise<void> {
  const fresh = freshState("prod", cfg.releases, time.now, 0);
  const core = { ...fresh.core, step: { ...fresh.core.step, index: at.index } };
  if (!last) {
    await writeState(dir, { ...fresh, weight: at.weight, core });
    return;
  }
  const position = {
    seq: 1,
    at: 0,
    startedAtMs: fresh.startedAt,
    step: at.index + 1,
    steps: buildPlan(cfg).steps.length,
  };
  const record = actionRecord({ ...position, weight: at.weight, ...last });
  await appendRecord(dir, "prod", fresh.id, record);
  await writeState(dir, { ...fresh, weight: at.weight, core: { ...core, seq: 1 }, lastDecision: record });
}

/** The state a runner leaves when it dies after recording a revert and before applying it. */
async function diedMidRevert(dir: string, time: FakeTime): Promise<void> {
  const revert = {
    action: "revert" as const,
    reason: "SIGINT; --on-interrupt revert",
    nextWeight: REVERT_WEIGHT,
  };
  await leftByDeadRunner(dir, time, { weight: 50, index: 3 }, revert);
}

describe("resume after a runner died half-way", () => {
  it("completes a recorded revert instead of judging on (and promoting)", async () => {
    const dir = tempDir();
    const time = new FakeTime();
    await diedMidRevert(dir, time);
    expect(await readState(dir, "prod")).toMatchObject({ status: "running", weight: 50 });
    const driver = new FakeDriver();
    driver.weight = 50;
    const result = await runRollout({
      cfg,
      driver,
      metrics: new FakeMetrics(time),
      stateDir: dir,
      mode: "resume",
      clock: time.clock,
      sleep: time.sleep,
      lease: { pid: 4242, isAlive: () => false },
    });
    expect(result.outcome).toBe("reverted");
    expect(driver.weights()).toEqual([0]);
    expect(await readState(dir, "prod")).toMatchObject({ status: "reverted", weight: 0 });
  });
});

describe("an error inside the runner's loop", () => {
  it("takes the safe action (revert), recorded, instead of leaving the canary at its weight", async () => {
    const time = new FakeTime();
    const driver = new FakeDriver();
    const broken = {
      description: "broken metrics",
      sample: async () => undefined as unknown as MetricsSample,
    };
    const dir = tempDir();
    const result = await runRollout({
      cfg,
      driver,
      metrics: broken,
      stateDir: dir,
      mode: "start",
      clock: time.clock,
      sleep: time.sleep,
      lease: { pid: 4242, isAlive: () => false },
    });
    expect(result.outcome).toBe("reverted");
    expect(result.reason).toMatch(/runner error/);
    expect(driver.weights()).toEqual([5, 0]);
    expect(await readState(dir, "prod")).toMatchObject({ status: "reverted", weight: 0 });
  });
});

describe("resume reconciles with the deployed weight", () => {
  function resume(dir: string, time: FakeTime, driver: FakeDriver) {
    const events: RunnerEvent[] = [];
    const run = runRollout({
      cfg,
      driver,
      metrics: new FakeMetrics(time),
      stateDir: dir,
      mode: "resume",
      clock: time.clock,
      sleep: time.sleep,
      onEvent: (e) => events.push(e),
      lease: { pid: 4242, isAlive: () => false },
    });
    return { run, events };
  }

  it("no state on this machine (a new CI job): resumes from the served weight, evidence from zero, and says so", async () => {
    const dir = tempDir();
    const time = new FakeTime();
    const driver = new FakeDriver();
    driver.weight = 25;
    const { run, events } = resume(dir, time, driver);
    const result = await run;
    const warning = events.find((e) => e.type === "warning");
    expect(warning).toMatchObject({
      message: expect.stringMatching(/no rollout state .* deployed weight 25%.*evidence restarts from zero/),
    });
    expect(result.outcome).toBe("promoted");
    expect(driver.weights()).toEqual([50, 100, 100]);
  });

  it("no state and no canary served: nothing to resume", async () => {
    const driver = new FakeDriver();
    driver.weight = 0;
    await expect(resume(tempDir(), new FakeTime(), driver).run).rejects.toThrow(RolloutRefused);
    expect(driver.applied).toEqual([]);
  });

  it("a running state the platform no longer serves (reverted outside the runner) is recorded as reverted, never stepped up", async () => {
    const dir = tempDir();
    const time = new FakeTime();
    await leftByDeadRunner(dir, time, { weight: 50, index: 3 });
    const driver = new FakeDriver();
    driver.weight = 0;
    const result = await resume(dir, time, driver).run;
    expect(result.outcome).toBe("reverted");
    expect(result.reason).toMatch(/reverted outside the runner/);
    expect(driver.weights()).toEqual([0]);
  });
});

describe("a resume never moves the split backwards", () => {
  it("after a crash during an operator-promoted post-promotion check: completes the promotion, never 100 → 10", async () => {
    const dir = tempDir();
    const time = new FakeTime();
    // At step 2 (10%) the operator promoted: 100% applied, then the runner died in the post-promotion check.
    const promote = {
      action: "promote" as const,
      reason: "promoted by alice (remaining steps skipped)",
      nextWeight: 100,
    };
    await leftByDeadRunner(dir, time, { weight: 100, index: 1 }, promote);
    const driver = new FakeDriver();
    driver.weight = 100;
    const checked: string[] = [];
    const result = await runRollout({
      cfg,
      driver,
      metrics: new FakeMetrics(time),
      stateDir: dir,
      mode: "resume",
      clock: time.clock,
      sleep: time.sleep,
      lease: { pid: 4242, isAlive: () => false },
      postPromotion: {
        kind: "post-promotion",
        description: "public endpoint",
        check: async () => {
          checked.push("post-promotion");
          return { kind: "post-promotion", passed: true, probes: [] };
        },
      },
    });
    expect(driver.weights()).toEqual([100]);
    expect(checked).toEqual(["post-promotion"]);
    expect(result.outcome).toBe("promoted");
  });

  it("a rollout held at 50% whose stage file now has other steps is refused, naming rollout.steps; nothing applied", async () => {
    const interrupt = new AbortController();
    const time = new FakeTime();
    const dir = tempDir();
    const first = new FakeDriver();
    time.onSleep = () => {
      if (first.weight === 50) interrupt.abort("SIGTERM");
      return undefined;
    };
    const started = {
      cfg,
      stateDir: dir,
      clock: time.clock,
      sleep: time.sleep,
      lease: { pid: 4242, isAlive: () => false },
    };
    await runRollout({
      ...started,
      driver: first,
      metrics: new FakeMetrics(time),
      mode: "start",
      signal: interrupt.signal,
      onInterrupt: "hold",
    });
    expect(await readState(dir, "prod")).toMatchObject({ status: "held", weight: 50 });
    const changed = prodWith({
      rollout: { steps: [10, 25, 50, 100], bakeSeconds: 0, checkIntervalSeconds: 60 },
    });
    const driver = new FakeDriver();
    driver.weight = 50;
    const resumed = runRollout({
      ...started,
      cfg: changed,
      driver,
      metrics: new FakeMetrics(time),
      mode: "resume",
    });
    await expect(resumed).rejects.toThrow(
      /rollout\.steps \[5, 10, 25, 50, 100\].*now says \[10, 25, 50, 100\]/,
    );
    expect(driver.applied).toEqual([]);
  });
});
