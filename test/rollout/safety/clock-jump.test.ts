import { describe, expect, it } from "vitest";
import { runRollout } from "../../../src/rollout/controller/runner";
import { readJournal } from "../../support/records";
import { fakeRun, healthy } from "../fakes";
import { consecutiveProdWith } from "../fixtures";

/**
 * The runner schedules on a monotonic clock; the wall clock is for records only. A wall-clock
 * step back neither delays a check (and the revert it leads to), nor a step forward times a
 * step out. Fake time: `mono` advances with every sleep, `now` (the wall) jumps.
 */

const cfg = consecutiveProdWith({
  rollout: { steps: [10, 50, 100], bakeSeconds: 600, checkIntervalSeconds: 120, maxStepSeconds: 900 },
});
const HOUR = 3_600_000;

describe("a wall-clock jump during a rollout", () => {
  it("a step back of an hour at 10%, then the canary fails half its requests: reverted within a few checks", async () => {
    let failingSince: number | undefined;
    const { driver, options, time } = fakeRun(cfg, {}, () =>
      failingSince === undefined ? healthy(5000) : healthy(5000, { errors: 2500 }),
    );
    time.onSleep = () => {
      if (failingSince === undefined && time.mono >= 130_000) {
        time.now -= HOUR;
        failingSince = time.mono;
      }
      return undefined;
    };
    const result = await runRollout(options);
    expect(result.outcome).toBe("reverted");
    expect(driver.weights()).toEqual([10, 0]);
    expect(time.mono - (failingSince ?? 0)).toBeLessThan(5 * 120_000);
  });

  it("a step forward of two hours at 10% neither cuts its bake short nor times it out", async () => {
    const { driver, options, time } = fakeRun(cfg);
    const appliedAt: Record<number, number> = {};
    const apply = driver.apply.bind(driver);
    driver.apply = async (change) => {
      appliedAt[change.canaryWeight] ??= time.mono;
      return apply(change);
    };
    let jumped = false;
    time.onSleep = () => {
      if (!jumped && time.mono >= 130_000) {
        time.now += 2 * HOUR;
        jumped = true;
      }
      return undefined;
    };
    const result = await runRollout(options);
    expect(result.outcome).toBe("promoted");
    expect(driver.weights()).toEqual([10, 50, 100, 100]);
    expect((appliedAt[50] ?? 0) - (appliedAt[10] ?? 0)).toBeGreaterThanOrEqual(600_000);
    expect((await readJournal(options.stateDir, "prod")).some((r) => r.timedOut)).toBe(false);
  });
});
