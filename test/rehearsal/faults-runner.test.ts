import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SEED_004_BUDGETS } from "../../bench/revert-latency-model";
import { type CliRun, runCli } from "../../rehearsal/runner-cli";
import type { RunnerEvent } from "../../src/rollout/core/events";
import { EXIT } from "../../src/rollout/core/outcome";
import { builtIonRollout } from "../support/built-cli";
import { FAST_PLAN, type Harness, openHarness } from "./harness";

/**
 * Faults of the runner itself, against the real environment (HAProxy, Prometheus, apps, load) and
 * the real `ion-rollout` CLI: killed mid-step and resumed, a second runner, SIGTERM. What must hold
 * every time: the weight HAProxy serves equals the weight the state records.
 */
let h: Harness;

beforeAll(async () => {
  // A short lease, so a runner that stops renewing lapses within seconds (reconcile's bound is ttl + one check interval).
  h = await openHarness({ rollout: { ...FAST_PLAN, lease: { ttlSeconds: 6, renewSeconds: 3 } } });
}, 60_000);

afterEach(async () => {
  await h?.reset();
});

afterAll(async () => {
  await h?.close();
});

describe("runner faults on the real environment", () => {
  it("SIGKILL in the middle of a step, then resume: ends promoted with HAProxy at the recorded weight", async () => {
    const first = h.start();
    // Mid-step: the second step's weight is applied and its bake has begun (a check judged at 50%).
    await h.untilRecord((r) => r.weight === 50 && r.signals.length > 0 && r.action === "hold", first);
    first.child.kill("SIGKILL");
    expect(await first.exited).toBe(137);

    const orphaned = await h.state();
    expect(orphaned?.status).toBe("running");
    expect(await h.env.driver.currentCanaryWeight()).toBe(orphaned?.weight);

    const resumed = h.cli(["resume", "rehearsal"]);
    expect(await resumed.exited, resumed.output()).toBe(EXIT.promoted);
    const state = await h.state();
    expect(state?.status).toBe("promoted");
    expect(state?.weight).toBe(100);
    expect(await h.env.driver.currentCanaryWeight()).toBe(state?.weight);
    // The dead runner's lease was taken over, and said so: because its process is gone, or, when a
    // loaded machine took longer than the 6 s ttl to get here, because it lapsed (both are right;
    // test/rollout/store/lease.test.ts pins each reason on its own).
    expect(resumed.output()).toMatch(
      /took over (the lease of pid \d+ on .*, a process that is gone|the lapsed lease of pid \d+)/,
    );
  }, 90_000);

  it("reconcile leaves a live runner alone, and reverts HAProxy to 0% once it is SIGKILLed, within ttl + one check interval", async () => {
    const run = h.start();
    await h.untilWeight((w) => w === 10, run);
    const alone = h.cli(["reconcile", "rehearsal"]);
    expect(await alone.exited, alone.output()).toBe(EXIT.ok);
    expect(alone.output()).toContain(`left alone, a live runner holds the lease: pid ${run.child.pid}`);
    expect(await h.env.driver.currentCanaryWeight()).toBe((await h.state())?.weight);

    await h.untilRecord((r) => r.weight === 10 && r.action === "hold", run);
    run.child.kill("SIGKILL");
    expect(await run.exited).toBe(137);
    const killedAt = Date.now();
    const reconciled = h.cli(["reconcile", "rehearsal"]);
    expect(await reconciled.exited, reconciled.output()).toBe(EXIT.reverted);
    expect(await h.env.driver.currentCanaryWeight()).toBe(0);
    const record = (await h.journal()).at(-1);
    expect(record?.reason).toMatch(
      new RegExp(
        `^reconcile: runner's process is gone: holder pid ${run.child.pid} .*; the platform serves 10% canary$`,
      ),
    );
    expect(await h.state()).toMatchObject({ status: "reverted", weight: 0 });
    // Measured on the record (its time is when the revert was served and recorded), not a sleep.
    const { ttlSeconds } = h.stage.cfg.rollout.lease;
    const bound = (ttlSeconds + h.stage.cfg.rollout.checkIntervalSeconds) * 1000;
    expect((record?.at ?? Number.POSITIVE_INFINITY) - killedAt).toBeLessThan(bound);
  }, 60_000);

  it("a second runner on the same stage is refused with a message naming the first", async () => {
    const first = h.start();
    await h.untilWeight((w) => w === 10, first);
    const second = h.start();
    expect(await second.exited).toBe(EXIT.error);
    const message = second.output();
    expect(message).toContain(String(first.child.pid));
    expect(message).toMatch(/lock|already|another runner/i);
    // The refused runner changed nothing: the first one still drives the split.
    expect(await h.env.driver.currentCanaryWeight()).toBe((await h.state())?.weight);
    // Seen and aborted from another process in another working directory, with the same stage file.
    const status = elsewhere(["status", "rehearsal"]);
    expect(await status.exited, status.output()).toBe(EXIT.ok);
    expect(status.output()).toContain(`runner: pid ${first.child.pid} on `);
    const abort = elsewhere(["abort", "rehearsal"]);
    expect(await abort.exited, abort.output()).toBe(EXIT.ok);
    expect(abort.output()).toContain(`asked the runner (pid ${first.child.pid} `);
    expect(await first.exited).toBe(EXIT.reverted);
    expect(await h.env.driver.currentCanaryWeight()).toBe(0);
  }, 60_000);

  it("abort from another working directory with no live runner (SIGKILLed) reverts HAProxy by itself", async () => {
    const run = h.start();
    await h.untilWeight((w) => w === 10, run);
    run.child.kill("SIGKILL");
    expect(await run.exited).toBe(137);
    const abort = elsewhere(["abort", "rehearsal"]);
    expect(await abort.exited, abort.output()).toBe(EXIT.ok);
    // Gone, or lapsed when a loaded machine took over the 6 s ttl to start the CLI (as above).
    expect(abort.output()).toMatch(
      /took over (the lease of pid \d+ on .*, a process that is gone|the lapsed lease of pid \d+)/,
    );
    expect(await h.env.driver.currentCanaryWeight()).toBe(0);
    expect(await h.state()).toMatchObject({ status: "reverted", weight: 0 });
  }, 60_000);

  it("SIGTERM: reverts to 0% and records it (default --on-interrupt revert), within seed 004's switch budget", async () => {
    const run = h.start(["--json"]);
    await h.untilWeight((w) => w === 50, run);
    run.child.kill("SIGTERM");
    expect(await run.exited, run.output()).toBe(EXIT.reverted);
    const state = await h.state();
    expect(state?.status).toBe("reverted");
    expect(state?.weight).toBe(0);
    expect(await h.env.driver.currentCanaryWeight()).toBe(0);
    expect((await h.journal()).at(-1)?.reason).toMatch(/interrupt/i);
    // The revert's latency by the runner's own events: its apply of 0% to the end it reported
    // (the split served through HAProxy's runtime API, recorded, notified).
    const events = jsonEvents(run.output());
    const revert = events.find((e) => e.type === "apply" && e.weight === 0 && e.reason.startsWith("revert:"));
    const end = events.find((e) => e.type === "end");
    expect(revert, run.output()).toBeDefined();
    expect(end?.type === "end" && end.outcome).toBe("reverted");
    expect((end?.at ?? Number.POSITIVE_INFINITY) - (revert?.at ?? 0)).toBeLessThan(SEED_004_BUDGETS.switchMs);
  }, 60_000);

  it("SIGTERM with --on-interrupt hold: keeps the weight, records it held, and resume carries on", async () => {
    const run = h.start(["--on-interrupt", "hold"]);
    await h.untilWeight((w) => w === 50, run);
    run.child.kill("SIGTERM");
    expect(await run.exited, run.output()).toBe(EXIT.held);
    const state = await h.state();
    expect(state?.status).toBe("held");
    expect(state?.weight).toBe(50);
    expect(await h.env.driver.currentCanaryWeight()).toBe(50);

    const resumed = h.cli(["resume", "rehearsal"]);
    expect(await resumed.exited, resumed.output()).toBe(EXIT.promoted);
    expect(await h.env.driver.currentCanaryWeight()).toBe(100);
  }, 90_000);
});

/** `ion-rollout <args> --config <the stage file>` run from a fresh working directory elsewhere. */
function elsewhere(args: string[]): CliRun {
  const dir = mkdtempSync(join(tmpdir(), "ion-rollout-elsewhere-"));
  return runCli(dir, [...args, "--config", h.stage.stageFile], { detached: true, bin: builtIonRollout() });
}

/** The JSON event lines of a `--json` run's output (stderr lines in between are skipped). */
function jsonEvents(output: string): RunnerEvent[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith('{"type"'))
    .map((line) => JSON.parse(line) as RunnerEvent);
}
