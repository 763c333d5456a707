import { describe, expect, it } from "vitest";
import { runRollout } from "../../../src/rollout/controller/runner";
import { RolloutRecords } from "../../../src/rollout/store/rollout-records";
import { fakeRun, healthy } from "../fakes";
import { consecutiveProdWith } from "../fixtures";
import { MemoryStore } from "../store/memory-store";

/**
 * A stage whose records live in a bucket that starts failing (5xx) mid-rollout: the revert a
 * breach decides is applied first and never waits on the store; the records that could not be
 * written are reported and retried by the controller, and land once the store answers again.
 */

const cfg = consecutiveProdWith({
  rollout: { steps: [50, 100], bakeSeconds: 600, checkIntervalSeconds: 60 },
});

function bucketRun() {
  const store = new MemoryStore();
  const records = new RolloutRecords(store, "prod");
  const run = fakeRun(cfg, { records }, (now) =>
    now >= run.time.at(120) ? healthy(5000, { errors: 2500 }) : healthy(),
  );
  const warnings = () => run.events.flatMap((e) => (e.type === "warning" ? [e.message] : []));
  return { ...run, store, records, warnings };
}

const unavailable = new Error('write "stages/prod/state.json" in gs://rollouts/: 503 Service Unavailable');

describe("a bucket store that fails while the canary must be reverted", () => {
  it("the breach is reverted at once; every record the bucket refused is reported as not recorded", async () => {
    const { driver, options, time, store, warnings } = bucketRun();
    time.onSleep = (now) => {
      if (now >= time.at(110)) store.failWrites = unavailable;
      return undefined;
    };
    const result = await runRollout(options);
    expect(driver.weights()).toEqual([50, 0]);
    expect(result.outcome).toBe("reverted");
    expect(warnings().join("\n")).toMatch(
      /COULD NOT RECORD .*attempt 3\/3.*503 Service Unavailable; NOT RECORDED/,
    );
  });

  it("a bucket that answers again during the retries gets the revert's record and state", async () => {
    const { driver, options, time, store, records, warnings } = bucketRun();
    time.onSleep = (now) => {
      // Down from just before the breach; back at the controller's first retry.
      if (now >= time.at(110) && !warnings().length) store.failWrites = unavailable;
      else store.failWrites = undefined;
      return undefined;
    };
    const result = await runRollout(options);
    expect(driver.weights()).toEqual([50, 0]);
    expect(warnings().join("\n")).toMatch(/COULD NOT RECORD .*attempt 1\/3.*retrying/);
    expect(await records.readState()).toMatchObject({ status: "reverted", weight: 0 });
    const journal = await records.readJournal(result.state.id);
    expect(journal.at(-1)).toMatchObject({ action: "revert", seq: result.state.core.seq });
    expect(journal.map((r) => r.seq)).toEqual([...new Set(journal.map((r) => r.seq))]);
  });
});
