import { describe, expect, it } from "vitest";
import { abortCommand, pauseCommand, promoteCommand } from "../../../src/rollout/commands/operator";
import { freshState } from "../../../src/rollout/controller/prepare";
import { runRollout } from "../../../src/rollout/controller/runner";
import { takeTrafficLease } from "../../../src/rollout/controller/traffic-lease";
import { readRaw, recordsIn, requestKey, writeRequest, writeState } from "../../support/records";
import { bufferedStreams, FakeDriver, fakeRun, healthy, operatorEdges, T0 } from "../fakes";
import { consecutiveProdWith, prod, ROOT } from "../fixtures";

/**
 * Operator requests are bound to one rollout: a request names the rollout's id, a request for
 * another rollout (left over from an ended one) is discarded and reported, and the command that
 * wrote a request removes it when the rollout ends without taking it.
 */

const cfg = consecutiveProdWith({
  rollout: { steps: [10, 50, 100], bakeSeconds: 300, checkIntervalSeconds: 60 },
});
const ENDED_ROLLOUT = "2026-11-22T09:00:00.000Z-ion-api-v1-9-0";

describe("operator requests bound to one rollout", () => {
  it("a promote left over from an ended rollout never promotes the next one, whose canary fails", async () => {
    const { driver, events, options } = fakeRun(cfg, {}, () => healthy(5000, { errors: 2500 }));
    await writeRequest(options.stateDir, "prod", {
      action: "promote",
      at: T0,
      by: "alice",
      rolloutId: ENDED_ROLLOUT,
    });
    const result = await runRollout(options);
    expect(result.outcome).toBe("reverted");
    expect(driver.weights()).not.toContain(100);
    const warnings = events.flatMap((e) => (e.type === "warning" ? [e.message] : []));
    expect(warnings.join("\n")).toMatch(/discarded a promote request by alice for rollout 2026-11-22/);
    expect(await readRaw(options.stateDir, requestKey("prod"))).toBeUndefined();
  });

  it("an abort left over from an ended rollout does not abort the next, healthy one", async () => {
    const { driver, options } = fakeRun(cfg);
    await writeRequest(options.stateDir, "prod", {
      action: "abort",
      at: T0,
      by: "bob",
      rolloutId: ENDED_ROLLOUT,
    });
    const result = await runRollout(options);
    expect(result.outcome).toBe("promoted");
    expect(driver.weights()).toEqual([10, 50, 100, 100]);
  });

  it("a promote the runner never took (its rollout ended first) is removed by the command and reported as not done", async () => {
    const { options } = fakeRun(prod());
    const dir = options.stateDir;
    const running = freshState("prod", prod().releases, T0, 50);
    await writeState(dir, running);
    // A live runner holds the lease (this process), then its rollout reverts without taking the request.
    const lease = await takeTrafficLease(
      { cfg: prod(), projectDir: ROOT, stateDir: dir },
      { ttlMs: 60_000, command: "ion-rollout start prod" },
    );
    const b = bufferedStreams();
    const edges = {
      ...operatorEdges(new FakeDriver(), () => T0),
      sleep: async () => {
        await writeState(dir, { ...running, status: "reverted", weight: 0, reason: "NO-GO" });
      },
    };
    const code = await promoteCommand(
      "prod",
      { config: `${ROOT}/Pulumi.prod.yaml`, stateDir: dir, yes: true },
      b.io,
      edges,
    );
    await lease.release();
    expect(code).toBe(1);
    expect(b.err()).toMatch(/ended reverted before the runner took the promote request/);
    expect(await readRaw(dir, requestKey("prod"))).toBeUndefined();
  });

  it("of two operators, the second waits until the runner took the first one's request, then leaves its own", async () => {
    const { options } = fakeRun(prod());
    const dir = options.stateDir;
    const running = freshState("prod", prod().releases, T0, 50);
    await writeState(dir, running);
    await writeRequest(dir, "prod", { action: "promote", at: T0, by: "bob", rolloutId: running.id });
    const lease = await takeTrafficLease(
      { cfg: prod(), projectDir: ROOT, stateDir: dir },
      { ttlMs: 60_000, command: "ion-rollout start prod" },
    );
    // The runner, between the command's polls: takes what is pending and records what it did.
    const runner = recordsIn(dir, "prod");
    const taken: string[] = [];
    const edges = {
      ...operatorEdges(new FakeDriver(), () => T0),
      sleep: async () => {
        const found = await runner.takeRequest(running.id);
        if (!found || !("request" in found)) return;
        const { action, by } = found.request;
        taken.push(`${action} by ${by}`);
        const state = (await runner.readState()) ?? running;
        const step = { ...state.core.step, index: state.core.step.index + 1 };
        if (action === "promote") await writeState(dir, { ...state, core: { ...state.core, step } });
        if (action === "pause") await writeState(dir, { ...state, pausedBy: by });
      },
    };
    const b = bufferedStreams();
    const code = await pauseCommand(
      "prod",
      { config: `${ROOT}/Pulumi.prod.yaml`, stateDir: dir },
      b.io,
      edges,
    );
    await lease.release();
    expect(code, b.err()).toBe(0);
    expect(taken).toEqual(["promote by bob", expect.stringMatching(/^pause by .*ion-rollout pause/)]);
    expect(b.err()).toMatch(
      /a promote request by bob for rollout \S+ is pending; waiting for the runner to take it first/,
    );
    expect(await readRaw(dir, requestKey("prod"))).toBeUndefined();
  });

  it("an abort does not queue behind a pending promote: it replaces it, and the runner takes the abort", async () => {
    const { options } = fakeRun(prod());
    const dir = options.stateDir;
    const running = freshState("prod", prod().releases, T0, 50);
    await writeState(dir, running);
    await writeRequest(dir, "prod", { action: "promote", at: T0, by: "bob", rolloutId: running.id });
    const lease = await takeTrafficLease(
      { cfg: prod(), projectDir: ROOT, stateDir: dir },
      { ttlMs: 60_000, command: "ion-rollout start prod" },
    );
    const runner = recordsIn(dir, "prod");
    const taken: string[] = [];
    const edges = {
      ...operatorEdges(new FakeDriver(), () => T0),
      sleep: async () => {
        const found = await runner.takeRequest(running.id);
        if (!found || !("request" in found)) return;
        taken.push(found.request.action);
        if (found.request.action === "abort")
          await writeState(dir, { ...running, status: "reverted", weight: 0, reason: "aborted" });
      },
    };
    const b = bufferedStreams();
    const code = await abortCommand(
      "prod",
      { config: `${ROOT}/Pulumi.prod.yaml`, stateDir: dir },
      b.io,
      edges,
    );
    await lease.release();
    expect(code, b.err()).toBe(0);
    expect(taken).toEqual(["abort"]);
  });
});
