import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/rollout/core/outcome";
import { stateKey, writeRaw } from "../support/records";
import { type Harness, openHarness } from "./harness";

/**
 * The operator's safety guarantees against the real environment (HAProxy, Prometheus, apps,
 * load) and the real CLI: abort whatever the state holds, signals that must not strand the canary, and the lease keyed on
 * the HAProxy backend rather than the stage's name. What must hold every time: HAProxy serves the
 * weight the state records.
 */
let h: Harness;

beforeAll(async () => {
  h = await openHarness();
}, 60_000);

afterEach(async () => {
  await h?.reset();
});

afterAll(async () => {
  await h?.close();
});

describe("abort, signals and the lease on the real environment", () => {
  it("a truncated state file: abort reverts HAProxy to 0% from the config and records a fresh state", async () => {
    const run = h.start();
    await h.untilWeight((w) => w === 50);
    run.child.kill("SIGKILL");
    await run.exited;
    await writeRaw(h.stateDir, stateKey("rehearsal"), '{"version":1,"stage":"rehearsal","status":"runn');
    const abort = h.cli(["abort", "rehearsal"]);
    expect(await abort.exited, abort.output()).toBe(EXIT.ok);
    expect(abort.output()).toMatch(/found an unreadable rollout state/);
    expect(await h.env.driver.currentCanaryWeight()).toBe(0);
    expect(await h.state()).toMatchObject({ status: "reverted", weight: 0 });
  }, 60_000);

  it("SIGHUP: reverts to 0% and records it", async () => {
    const run = h.start();
    await h.untilWeight((w) => w === 50);
    run.child.kill("SIGHUP");
    expect(await run.exited, run.output()).toBe(EXIT.reverted);
    expect(await h.state()).toMatchObject({ status: "reverted", weight: 0 });
    expect(await h.env.driver.currentCanaryWeight()).toBe(0);
    expect((await h.journal()).at(-1)?.reason).toMatch(/SIGHUP/);
  }, 60_000);

  it("two SIGINTs back to back: the revert still completes and is recorded", async () => {
    const run = h.start();
    await h.untilWeight((w) => w === 50);
    run.child.kill("SIGINT");
    run.child.kill("SIGINT");
    expect(await run.exited, run.output()).toBe(EXIT.reverted);
    expect(await h.state()).toMatchObject({ status: "reverted", weight: 0 });
    expect(await h.env.driver.currentCanaryWeight()).toBe(0);
  }, 60_000);

  it("another stage name driving the same HAProxy backend is refused while the first runs", async () => {
    const first = h.start();
    await h.untilWeight((w) => w === 10);
    const { image, name } = h.stage.cfg.releases.canary;
    const other = h.cli(["start", "other", "--image", image, "--name", name]);
    expect(await other.exited).toBe(EXIT.error);
    expect(other.output()).toContain(String(first.child.pid));
    expect(other.output()).toMatch(/another runner holds HAProxy .* backend app/);
    const abort = h.cli(["abort", "rehearsal"]);
    expect(await abort.exited, abort.output()).toBe(EXIT.ok);
    expect(await first.exited).toBe(EXIT.reverted);
    expect(await h.env.driver.currentCanaryWeight()).toBe(0);
  }, 60_000);
});
