import { describe, expect, it } from "vitest";
import { formatStatus } from "../../src/rollout/commands/status";
import { freshState } from "../../src/rollout/controller/prepare";
import { type RunOptions, runRollout } from "../../src/rollout/controller/runner";
import type { RolloutState } from "../../src/rollout/core/state";
import type { Gate } from "../../src/rollout/edges/probes/types";
import { readJournal, readState, writeState } from "../support/records";
import { fakeRun, T0 } from "./fakes";
import { prodWith } from "./fixtures";

/**
 * One order on every platform: the runner deploys the new release at 0%, waits until the platform
 * reports it ready, asks the pre-traffic gate about *that* release, and only then applies step 1.
 */
const cfg = () =>
  prodWith({
    rollout: { bakeSeconds: 120, checkIntervalSeconds: 60, minRequestsPerStep: 0, maxStepSeconds: 600 },
  });

/** A gate that records what the driver had done, and the stored phase, when it was asked. */
function observingGate(
  options: RunOptions,
  calls: () => string[],
  seen: string[][],
  phases: unknown[],
): Gate {
  return {
    kind: "pre-traffic",
    description: "pre-traffic",
    check: async () => {
      seen.push([...calls()]);
      phases.push((await readState(options.stateDir, "prod"))?.phase);
      return { kind: "pre-traffic", passed: true, probes: [] };
    },
  };
}

function setup(overrides: Partial<RunOptions> = {}) {
  const run = fakeRun(cfg(), overrides);
  const seen: string[][] = [];
  const phases: unknown[] = [];
  run.options.preTraffic = observingGate(run.options, () => run.driver.calls, seen, phases);
  return { ...run, seen, phases };
}

describe("the runner deploys the release at 0% before its pre-traffic gate", () => {
  it("start: deploy, ready, then the gate, then step 1; the gate sees the new release ready at 0%", async () => {
    const { driver, options, seen, phases, events } = setup();
    const result = await runRollout(options);
    expect(result.outcome).toBe("promoted");
    const canary = options.cfg.releases.canary.name;
    expect(driver.calls.slice(0, 3)).toEqual([`deploy ${canary}`, `ready ${canary}`, "apply 5"]);
    expect(seen).toEqual([[`deploy ${canary}`, `ready ${canary}`]]);
    expect(phases).toEqual(["verifying"]);
    expect(driver.deployed).toEqual([options.cfg.releases.canary]);
    const deploys = events.filter((e) => e.type === "deploy").map((e) => e.type === "deploy" && e.phase);
    expect(deploys).toEqual(["deploying", "ready"]);
    expect((await readState(options.stateDir, "prod"))?.phase).toBeUndefined();
  });

  it("a release the platform never reports ready is reverted at 0%: no gate asked, no step applied", async () => {
    const { driver, options, seen, notifier } = setup();
    driver.readiness = new Error("revision ion-api-v1-5-0 is not Ready: container failed to start");
    const result = await runRollout(options);
    expect(result).toMatchObject({ outcome: "reverted", exitCode: 2 });
    expect(seen).toEqual([]);
    expect(driver.weights()).toEqual([0]);
    const journal = await readJournal(options.stateDir, "prod");
    expect(journal).toHaveLength(1);
    expect(journal[0]).toMatchObject({ action: "revert", weight: 0, nextWeight: 0 });
    expect(journal[0]?.reason).toBe(
      "deploy of ion-api-v1-5-0 at 0% failed: revision ion-api-v1-5-0 is not Ready: container failed to start",
    );
    expect(await readState(options.stateDir, "prod")).toMatchObject({ status: "reverted", weight: 0 });
    expect((await readState(options.stateDir, "prod"))?.phase).toBeUndefined();
    expect(notifier.events.map((e) => e.kind)).toEqual(["start", "revert"]);
  });

  it("an interrupt while deploying reverts to 0%: nothing is served, no gate, no step", async () => {
    const abort = new AbortController();
    const { driver, options, seen } = setup({ signal: abort.signal });
    const deploy = driver.deployCanary.bind(driver);
    driver.deployCanary = async (releases) => {
      await deploy(releases);
      abort.abort("SIGTERM");
      throw new Error("pulumi up cancelled");
    };
    const result = await runRollout(options);
    expect(result).toMatchObject({ outcome: "reverted", exitCode: 2 });
    expect(seen).toEqual([]);
    expect(driver.weights()).toEqual([0]);
    expect(await readState(options.stateDir, "prod")).toMatchObject({ status: "reverted", weight: 0 });
  });

  it("resume before step 1 deploys and verifies again; resume at a served weight deploys nothing", async () => {
    const first = setup();
    const { stateDir } = first.options;
    const canary = first.options.cfg.releases.canary.name;
    const crashed: RolloutState = {
      ...freshState("prod", first.options.cfg.releases, T0, 0),
      phase: "deploying",
    };
    await writeState(stateDir, crashed);
    const resumed = setup({ mode: "resume", stateDir });
    await runRollout(resumed.options);
    expect(resumed.driver.calls.slice(0, 3)).toEqual([`deploy ${canary}`, `ready ${canary}`, "apply 5"]);
    expect(resumed.seen).toHaveLength(1);

    await writeState(stateDir, { ...crashed, phase: undefined, weight: 10 });
    const serving = setup({ mode: "resume", stateDir });
    serving.driver.weight = 10;
    await runRollout(serving.options);
    expect(serving.driver.deployed).toEqual([]);
    expect(serving.seen).toEqual([]);
  });

  it("status names the phase before traffic", () => {
    const state = freshState("prod", cfg().releases, T0, 0);
    expect(formatStatus(cfg(), { ...state, phase: "deploying" }, T0)).toMatch(
      /^prod: RUNNING \(deploying ion-api-v1-5-0 at 0%\)/,
    );
    expect(formatStatus(cfg(), { ...state, phase: "verifying" }, T0)).toMatch(
      /^prod: RUNNING \(verifying ion-api-v1-5-0 at 0%: pre-traffic gate\)/,
    );
  });
});
