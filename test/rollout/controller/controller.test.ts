import { describe, expect, it } from "vitest";
import { abortCommand } from "../../../src/rollout/commands/operator";
import { REVERT_ATTEMPTS, RolloutController } from "../../../src/rollout/controller/controller";
import { freshState } from "../../../src/rollout/controller/prepare";
import type { RunnerEvent } from "../../../src/rollout/core/events";
import { buildPlan } from "../../../src/rollout/core/plan";
import { readJournal, readState, recordsIn, writeState } from "../../support/records";
import { FakeDriver, FakeNotifier, FakeTime, operatorEdges, tempDir } from "../fakes";
import { prod, ROOT } from "../fixtures";

const CONFIG = `${ROOT}/Pulumi.prod.yaml`;
const silent = { out: () => {}, err: () => {} };

/** A driver whose first `failures` applies fail, as a busy Pulumi stack or HAProxy would. */
class FlakyDriver extends FakeDriver {
  attempts = 0;
  constructor(private failures: number) {
    super();
  }
  override async apply(change: Parameters<FakeDriver["apply"]>[0]): Promise<void> {
    this.attempts++;
    if (this.attempts <= this.failures) throw new Error(`apply attempt ${this.attempts} refused`);
    return super.apply(change);
  }
}

function controllerAt(weight: number, driver: FakeDriver, time = new FakeTime()) {
  const cfg = prod();
  const dir = tempDir();
  const notifier = new FakeNotifier();
  const state = freshState(cfg.stage, cfg.releases, time.now, weight);
  const controller = new RolloutController(
    {
      cfg,
      plan: buildPlan(cfg),
      driver,
      notifier,
      records: recordsIn(dir, cfg.stage),
      clock: time.clock,
      sleep: time.sleep,
    },
    state,
  );
  return { controller, dir, notifier, time };
}

describe("RolloutController.revertBecause", () => {
  it("retries a refused apply and records the revert once, after it is applied", async () => {
    const driver = new FlakyDriver(REVERT_ATTEMPTS - 1);
    const { controller, dir, notifier, time } = controllerAt(50, driver);
    const started = time.now;
    const result = await controller.revertBecause("error rate NO-GO");
    expect(result).toMatchObject({ outcome: "reverted", exitCode: 2 });
    expect(driver.attempts).toBe(REVERT_ATTEMPTS);
    expect(driver.weights()).toEqual([0]);
    // 2 s then 4 s between attempts, in fake time.
    expect(time.now - started).toBe(6000);
    const journal = await readJournal(dir, "prod");
    expect(journal.map((r) => [r.action, r.reason])).toEqual([["revert", "error rate NO-GO"]]);
    expect(await readState(dir, "prod")).toMatchObject({
      status: "reverted",
      weight: 0,
      causedBy: journal[0]?.seq,
    });
    expect(notifier.events.map((e) => e.kind)).toEqual(["revert"]);
  });

  it("ends failed, naming the unknown split and the command to run, when every attempt fails", async () => {
    const driver = new FlakyDriver(REVERT_ATTEMPTS);
    const { controller, dir } = controllerAt(25, driver);
    const result = await controller.abortBy("alice");
    expect(result).toMatchObject({ outcome: "failed", exitCode: 1 });
    expect(result.reason).toContain("the split is unknown (last weight applied successfully: 25%)");
    expect(result.reason).toContain("ion-rollout abort prod");
    expect((await readState(dir, "prod"))?.status).toBe("failed");
  });
});

describe("an operator's abort goes through the controller", () => {
  it("with no live runner it gets the same retries, record and notification as a breach", async () => {
    const time = new FakeTime();
    const cfg = prod();
    const dir = tempDir();
    await writeState(dir, { ...freshState(cfg.stage, cfg.releases, time.now, 50), weight: 50 });
    const driver = new FlakyDriver(2);
    const code = await abortCommand("prod", { config: CONFIG, stateDir: dir }, silent, operatorEdges(driver));
    expect(code).toBe(0);
    expect(driver.attempts).toBe(3);
    expect(driver.weights()).toEqual([0]);
    const journal = await readJournal(dir, "prod");
    expect(journal.map((r) => [r.action, r.nextWeight])).toEqual([["revert", 0]]);
    expect(await readState(dir, "prod")).toMatchObject({
      status: "reverted",
      weight: 0,
      causedBy: journal[0]?.seq,
    });
  });

  it("with no state at all it still reverts, and records a fresh state", async () => {
    const dir = tempDir();
    const driver = new FakeDriver();
    expect(await abortCommand("prod", { config: CONFIG, stateDir: dir }, silent, operatorEdges(driver))).toBe(
      0,
    );
    expect(driver.weights()).toEqual([0]);
    expect(await readState(dir, "prod")).toMatchObject({ status: "reverted", weight: 0 });
  });
});

describe("RolloutController.retire", () => {
  it("takes the old side out through the controller's apply: shown as an apply event, then journaled", async () => {
    const cfg = prod();
    const dir = tempDir();
    const time = new FakeTime();
    const driver = new FakeDriver();
    const events: RunnerEvent[] = [];
    const promoted = { ...freshState(cfg.stage, cfg.releases, time.now, 100), status: "promoted" as const };
    const controller = new RolloutController(
      {
        cfg,
        plan: buildPlan(cfg),
        driver,
        records: recordsIn(dir, cfg.stage),
        clock: time.clock,
        sleep: time.sleep,
        emit: (event) => events.push(event),
      },
      promoted,
    );
    await controller.retire("retire v1 after 1h by alice");
    expect(driver.applied).toMatchObject([
      { canaryWeight: 100, oldSideRetired: true, rolloutInProgress: false },
    ]);
    expect(events.map((event) => event.type)).toEqual(["apply"]);
    expect((await readJournal(dir, "prod")).map((r) => r.action)).toEqual(["retire"]);
    expect((await readState(dir, "prod"))?.retiredAt).toBe(time.now);
  });
});
