import { describe, expect, it } from "vitest";
import { formatStatus } from "../../src/rollout/commands/status";
import { runRollout } from "../../src/rollout/controller/runner";
import type { RunnerEvent } from "../../src/rollout/core/events";
import type { Gate } from "../../src/rollout/edges/probes/types";
import { progressPrinter } from "../../src/rollout/report/progress";
import { readState } from "../support/records";
import { fakeRun, healthy } from "./fakes";
import { prodWith } from "./fixtures";

/**
 * A release stopped before its canary took any traffic was refused, not rolled back: the state and
 * the end line say so, and a revert that could not be applied then leaves no "split unknown"
 * (no weight above 0 was ever asked of the platform). Once a weight was asked, a failed revert
 * still ends FAILED: that apply may have half landed.
 */
const cfg = () =>
  prodWith({
    rollout: { bakeSeconds: 120, checkIntervalSeconds: 60, minRequestsPerStep: 0, maxStepSeconds: 600 },
  });

/** The end line a person reads, printed as a pipe or CI log would get it. */
function endLine(events: RunnerEvent[]): string {
  const out: string[] = [];
  const print = progressPrinter("plain", (text) => out.push(text));
  const end = events.find((e) => e.type === "end");
  if (end) print(end);
  return out.join("").trim();
}

const refusingGate: Gate = {
  kind: "pre-traffic",
  description: "pre-traffic",
  check: async () => ({
    kind: "pre-traffic",
    passed: false,
    probes: [{ probe: "health", target: "canary http://c/health", passed: false, summary: "0/3 2xx" }],
  }),
};

describe("a release stopped before any traffic", () => {
  it("a deploy that fails and a revert that cannot be applied either: refused, not FAILED", async () => {
    const { driver, options, events } = fakeRun(cfg());
    driver.deployCanary = async () => {
      throw new Error("spawn pulumi ENOENT");
    };
    driver.failAt.add(0);
    const result = await runRollout(options);
    const state = await readState(options.stateDir, "prod");
    expect(state?.status).toBe("reverted");
    expect(state?.canaryServed).toBe(false);
    expect(state?.reason).toMatch(/^refused before traffic: deploy of ion-api-v1-5-0 at 0% failed/);
    expect(state?.reason).not.toMatch(/split is unknown/);
    expect(state?.reason).toMatch(/the canary never took traffic$/);
    expect(result).toMatchObject({ outcome: "reverted", exitCode: 2 });
    expect(endLine(events)).toMatch(/^\d\d:\d\d:\d\d REFUSED: refused before traffic: deploy of/);
  });

  it("a pre-traffic NO-GO ends with the line REFUSED", async () => {
    const { options, events } = fakeRun(cfg(), { preTraffic: refusingGate });
    const result = await runRollout(options);
    expect(result.outcome).toBe("reverted");
    expect((await readState(options.stateDir, "prod"))?.canaryServed).toBe(false);
    expect(endLine(events)).toMatch(/^\d\d:\d\d:\d\d REFUSED: /);
    const state = await readState(options.stateDir, "prod");
    expect(state && formatStatus(options.cfg, state, Date.now())).toMatch(/^prod: REFUSED/);
  });

  it("a revert after the canary served traffic still ends REVERTED", async () => {
    const run = fakeRun(cfg(), {}, (now) => healthy(1000, { errors: now >= run.time.at(60) ? 300 : 0 }));
    const result = await runRollout(run.options);
    expect(result.outcome).toBe("reverted");
    expect((await readState(run.options.stateDir, "prod"))?.canaryServed).toBe(true);
    expect(endLine(run.events)).toMatch(/^\d\d:\d\d:\d\d REVERTED: /);
  });

  it("step 1's apply fails and so does every revert: FAILED, the split is unknown", async () => {
    const { driver, options, events } = fakeRun(cfg());
    driver.failAt.add(5);
    driver.failAt.add(0);
    const result = await runRollout(options);
    expect(result).toMatchObject({ outcome: "failed", exitCode: 1 });
    expect((await readState(options.stateDir, "prod"))?.status).toBe("failed");
    expect(endLine(events)).toMatch(/FAILED: REVERT FAILED .*split is unknown/);
  });
});
