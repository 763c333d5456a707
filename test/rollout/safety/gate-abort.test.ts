import { describe, expect, it } from "vitest";
import { runRollout } from "../../../src/rollout/controller/runner";
import type { GateRecord } from "../../../src/rollout/core/gate/types";
import type { Gate } from "../../../src/rollout/edges/probes/types";
import { readRaw, readState, requestKey, writeRequest } from "../../support/records";
import { fakeRun, T0 } from "../fakes";
import { consecutiveProdWith } from "../fixtures";

/**
 * Operator requests are read while the pre-traffic gate runs: an abort stops the gate at once and
 * nothing is applied after it (no step 1).
 */

const cfg = consecutiveProdWith({
  rollout: { steps: [10, 50, 100], bakeSeconds: 120, checkIntervalSeconds: 60 },
});

/** A gate that takes `ms` of real time to pass unless its signal stops it; `onStart` runs as it starts. */
function slowGate(ms: number, onStart: () => Promise<unknown>): Gate {
  const kind = "pre-traffic" as const;
  return {
    kind,
    description: "a 12 s gate, shortened",
    check: async (signal) => {
      await onStart();
      return new Promise<GateRecord>((resolve) => {
        const passed = setTimeout(() => resolve({ kind, passed: true, probes: [] }), ms);
        signal?.addEventListener("abort", () => {
          clearTimeout(passed);
          const summary = `stopped: ${String(signal.reason)}`;
          resolve({
            kind,
            passed: false,
            probes: [{ probe: "health", target: "canary", passed: false, summary }],
          });
        });
      });
    },
  };
}

describe("abort during the pre-traffic gate", () => {
  it("stops the gate at once; step 1's weight is never applied", async () => {
    const setup = fakeRun(cfg);
    const { driver, options } = setup;
    options.preTraffic = slowGate(
      300,
      async () =>
        await writeRequest(options.stateDir, "prod", {
          action: "abort",
          at: T0,
          by: "alice",
          rolloutId: (await readState(options.stateDir, "prod"))?.id ?? "",
        }),
    );
    const result = await runRollout(options);
    expect(driver.weights().filter((w) => w !== 0)).toEqual([]);
    expect(result.outcome).toBe("reverted");
    expect(result.reason).toMatch(/aborted by alice/);
    expect(await readRaw(options.stateDir, requestKey("prod"))).toBeUndefined();
  });
});
