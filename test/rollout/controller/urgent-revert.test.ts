import { describe, expect, it } from "vitest";
import { RolloutController } from "../../../src/rollout/controller/controller";
import { freshState } from "../../../src/rollout/controller/prepare";
import { buildPlan } from "../../../src/rollout/core/plan";
import { recordsIn } from "../../support/records";
import { FakeDriver, FakeNotifier, FakeTime, tempDir } from "../fakes";
import { prod } from "../fixtures";

/** The one revert change the controller builds says it is urgent; steps and promotions do not. */
function controllerAt(weight: number, driver: FakeDriver) {
  const cfg = prod();
  const time = new FakeTime();
  const state = freshState(cfg.stage, cfg.releases, time.now, weight);
  return new RolloutController(
    {
      cfg,
      plan: buildPlan(cfg),
      driver,
      notifier: new FakeNotifier(),
      records: recordsIn(tempDir(), cfg.stage),
      clock: time.clock,
      sleep: time.sleep,
    },
    state,
  );
}

describe("the controller's revert change", () => {
  it("is marked urgent, so the driver takes the platform's fast path", async () => {
    const driver = new FakeDriver();
    await controllerAt(25, driver).abortBy("test");
    expect(driver.applied.map((c) => [c.canaryWeight, c.urgent])).toEqual([[0, true]]);
  });

  it("a step and a promotion are not", async () => {
    const driver = new FakeDriver();
    const controller = controllerAt(0, driver);
    await controller.applyStep(0);
    await controller.promoteBy("test");
    expect(driver.applied.map((c) => c.urgent ?? false)).toEqual([false, false]);
  });
});
