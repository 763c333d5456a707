import { describe, expect, it } from "vitest";
import { runRollout } from "../../../src/rollout/controller/runner";
import { readJournal } from "../../support/records";
import { fakeRun, healthy, T0 } from "../fakes";
import { consecutiveProdWith } from "../fixtures";

/**
 * Stale data never passes: a source whose newest sample does not advance from one check to the
 * next (Prometheus stopped scraping, a frozen proxy) is no data, even while the sample's age is
 * still under `maxSampleAgeSeconds` (3 check intervals by default).
 */

const cfg = consecutiveProdWith({
  rollout: { steps: [50, 100], bakeSeconds: 120, checkIntervalSeconds: 60 },
});

describe("frozen metrics", () => {
  it("the same data from 50% on (the newest sample stops advancing): never promoted", async () => {
    // Every check reads the same healthy numbers; the newest sample stays where the scrape stopped.
    const { driver, options } = fakeRun(cfg, {}, (now) =>
      healthy(1000, { sampleAgeSeconds: (now - T0) / 1000 + 1 }),
    );
    const result = await runRollout(options);
    expect(driver.weights()).not.toContain(100);
    expect(result.outcome).toBe("reverted");
    const journal = await readJournal(options.stateDir, "prod");
    expect(journal.filter((r) => r.verdict === "INCONCLUSIVE").length).toBeGreaterThan(0);
    expect(JSON.stringify(journal)).toMatch(/not advancing/);
  });

  it("metrics that advance each check promote as before", async () => {
    const { driver, options } = fakeRun(cfg);
    expect((await runRollout(options)).outcome).toBe("promoted");
    expect(driver.weights()).toEqual([50, 100, 100]);
  });
});
