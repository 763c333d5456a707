import { describe, expect, it } from "vitest";
import { runRollout } from "../../../src/rollout/controller/runner";
import { GcsStore } from "../../../src/rollout/store/backends/gcs";
import { RolloutRecords } from "../../../src/rollout/store/rollout-records";
import { fakeRun, healthy } from "../fakes";
import { consecutiveProdWith } from "../fixtures";
import { FakeGcs } from "../store/fake-gcs";

/**
 * A whole rollout recorded in a GCS bucket that, like GCS, refuses a second mutation of one object
 * within a second (429). The runner writes its state twice in a row at the start, at each step and
 * at the promotion; the store waits those refusals out (on the rollout's fake time), so the
 * rollout ends as it would with no limit and its records are whole.
 */

const cfg = consecutiveProdWith({
  rollout: { steps: [10, 50, 100], bakeSeconds: 300, checkIntervalSeconds: 60 },
});

describe("a rollout recorded in GCS under its one-mutation-per-object-per-second limit", () => {
  it("promotes, with every state and journal write landed; the refusals were waited out", async () => {
    const run = fakeRun(cfg, {}, () => healthy());
    const fake = new FakeGcs({ buckets: ["rollouts"], clock: run.time.clock, token: "t" });
    const endpoint = await fake.start();
    let refused = 0;
    const counting: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (response.status === 429) refused++;
      return response;
    };
    const store = new GcsStore({
      bucket: "rollouts",
      endpoint,
      token: async () => "t",
      fetch: counting,
      sleep: run.time.sleep,
    });
    const records = new RolloutRecords(store, "prod");
    try {
      const result = await runRollout({ ...run.options, records });
      expect(result.outcome).toBe("promoted");
      // The last 100 is the promotion (rolloutInProgress: false), as with no limit.
      expect(run.driver.weights()).toEqual([10, 50, 100, 100]);
      expect(refused).toBeGreaterThan(0);
      expect(await records.readState()).toMatchObject({ status: "promoted", weight: 100 });
      const journal = await records.readJournal(result.state.id);
      expect(journal.map((r) => r.seq)).toEqual(journal.map((_, i) => i + 1));
      expect(journal.at(-1)).toMatchObject({ action: "promote", seq: result.state.core.seq });
    } finally {
      await fake.stop();
    }
  });
});
