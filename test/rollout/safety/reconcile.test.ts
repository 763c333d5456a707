import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { abortCommand, promoteCommand } from "../../../src/rollout/commands/operator";
import { reconcileCommand } from "../../../src/rollout/commands/reconcile";
import { freshState } from "../../../src/rollout/controller/prepare";
import { readTrafficLease, trafficLeaseSite } from "../../../src/rollout/controller/traffic-lease";
import { LocalDirectoryStore } from "../../../src/rollout/store/backends/local-directory";
import { takeLease } from "../../../src/rollout/store/lease";
import { fileOf, readState, stateKey, writeState } from "../../support/records";
import { bufferedStreams, FakeDriver, FakeNotifier, operatorEdges, tempDir } from "../fakes";
import { prod, ROOT } from "../fixtures";

const CONFIG = `${ROOT}/Pulumi.prod.yaml`;

/**
 * prod (a GCP stage: its lease lives in the stage's store, here the state directory) with a
 * rollout recorded at `recorded`%, the platform serving `served`%, and a lease last written
 * `renewedAgoMs` ago by a runner on another host (ttl 60 s), or none.
 */
async function orphan(recorded: number, served: number, renewedAgoMs?: number, handoverMs?: number) {
  const cfg = prod();
  const dir = tempDir();
  const state = { ...freshState(cfg.stage, cfg.releases, Date.now(), recorded), weight: recorded };
  await writeState(dir, state);
  const scope = { cfg, projectDir: ROOT, stateDir: dir };
  if (renewedAgoMs !== undefined) {
    // The lease written `renewedAgoMs` ago on the store's clock (its file stamps that time).
    const past = new LocalDirectoryStore(dir, { now: () => Date.now() - renewedAgoMs });
    const lease = await takeLease(past, trafficLeaseSite(scope).target, {
      ttlMs: 60_000,
      command: "ion-rollout start prod",
      pid: 4242,
      host: "ci-runner-7",
    });
    // Held at its job's deadline and handed over for `handoverMs` to the next job's resume.
    if (handoverMs !== undefined) await lease.handOver(state.id, handoverMs);
  }
  const driver = new FakeDriver();
  driver.weight = served;
  const notifier = new FakeNotifier();
  const b = bufferedStreams();
  const run = (json = false) =>
    reconcileCommand("prod", { config: CONFIG, stateDir: dir, json }, b.io, {
      ...operatorEdges(driver),
      notifier,
    });
  return { dir, scope, driver, notifier, b, run, id: state.id };
}

describe("reconcile: a canary whose runner is gone is reverted; a live runner is left alone", () => {
  it("a lapsed lease and 20% served: reverted to 0% through the controller, the reason recorded, exit 2", async () => {
    const o = await orphan(20, 20, 90_000);
    expect(await o.run()).toBe(2);
    expect(o.driver.weights()).toEqual([0]);
    const state = await readState(o.dir, "prod");
    expect(state).toMatchObject({ status: "reverted", weight: 0 });
    expect(state?.reason).toMatch(
      /^reconcile: runner's lease expired: holder pid 4242 on ci-runner-7 .*\(ion-rollout start prod\) \(lapsed 30 s ago\), last renewed 90 s ago; the platform serves 20% canary$/,
    );
    expect(o.b.err()).toContain("prod: reverted: reconcile: runner's lease expired");
    // Notified with the same reason, after the revert was served.
    const reverts = o.notifier.events.filter((e) => e.kind === "revert");
    expect(reverts).toHaveLength(1);
    expect(reverts[0]).toMatchObject({ stage: "prod", canaryWeight: 0 });
    expect(reverts[0]?.message).toContain("runner's lease expired: holder pid 4242 on ci-runner-7");
    // The lease it took to revert is released.
    expect(await readTrafficLease(o.scope)).toBeUndefined();
  });

  it("reads the served split, not the state: recorded 5%, served 50% is what the reason names", async () => {
    const o = await orphan(5, 50, 90_000);
    expect(await o.run()).toBe(2);
    expect((await readState(o.dir, "prod"))?.reason).toContain("the platform serves 50% canary");
  });

  it("a live lease (renewed 10 s ago): left alone, the holder named, exit 0, nothing applied", async () => {
    const o = await orphan(20, 20, 10_000);
    expect(await o.run()).toBe(0);
    expect(o.driver.weights()).toEqual([]);
    expect(o.b.out()).toMatch(/^prod: left alone, a live runner holds the lease: pid 4242 on ci-runner-7 /);
    expect((await readState(o.dir, "prod"))?.status).toBe("running");
  });

  it("nothing in progress: no rollout, an ended one, or 0% served: one line, exit 0, nothing applied", async () => {
    const none = await orphan(0, 0);
    const cfg = prod();
    await writeState(none.dir, { ...freshState("prod", cfg.releases, Date.now(), 0), status: "reverted" });
    expect(await none.run()).toBe(0);
    expect(none.b.out()).toBe("prod: nothing in progress (the last rollout reverted)\n");
    const empty = tempDir();
    const b = bufferedStreams();
    const code = await reconcileCommand(
      "prod",
      { config: CONFIG, stateDir: empty },
      b.io,
      operatorEdges(none.driver),
    );
    expect(code).toBe(0);
    expect(b.out()).toBe(`prod: nothing in progress (no rollout recorded in ${empty})\n`);
    const atZero = await orphan(10, 0, 90_000);
    expect(await atZero.run()).toBe(0);
    expect(atZero.b.out()).toBe("prod: nothing to revert, the platform serves 0% canary\n");
    expect([...none.driver.weights(), ...atZero.driver.weights()]).toEqual([]);
  });

  it("no state here (a fresh CI checkout), a lease left behind, 20% served: reverted from the served split", async () => {
    const o = await orphan(20, 20, 90_000);
    rmSync(fileOf(o.dir, stateKey("prod")));
    expect(await o.run()).toBe(2);
    expect(o.driver.weights()).toEqual([0]);
    expect(await readState(o.dir, "prod")).toMatchObject({ status: "reverted", weight: 0 });
    expect((await readState(o.dir, "prod"))?.reason).toContain(
      "runner's lease expired: holder pid 4242 on ci-runner-7",
    );
  });

  it("no state and no lease left behind: nothing in progress, whatever is served (a promoted canary at 100%)", async () => {
    const o = await orphan(20, 100);
    rmSync(fileOf(o.dir, stateKey("prod")));
    expect(await o.run()).toBe(0);
    expect(o.driver.weights()).toEqual([]);
  });

  it("--json: one document with the action and the state after", async () => {
    const o = await orphan(20, 20, 90_000);
    expect(await o.run(true)).toBe(2);
    const doc = JSON.parse(o.b.out()) as { action: string; state: { status: string } };
    expect(doc).toMatchObject({ stage: "prod", action: "reverted", state: { status: "reverted" } });
  });
});

describe("reconcile and a rollout handed over at a CI job's deadline", () => {
  it("a live handover (written 10 min ago, 15 min window): left alone, saying when it lapses, nothing applied", async () => {
    const o = await orphan(20, 20, 600_000, 900_000);
    expect(await o.run()).toBe(0);
    expect(o.driver.weights()).toEqual([]);
    expect(o.b.out()).toMatch(
      new RegExp(
        `^prod: left alone, rollout ${o.id} was handed over at a CI job's deadline and waits for \`ion-rollout resume prod\`: its handover lapses in 300 s \\(about \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\), then reconcile reverts it; holder pid 4242 on ci-runner-7 `,
      ),
    );
    expect((await readState(o.dir, "prod"))?.status).toBe("running");
  });

  it("--json names the handover and how long it has left", async () => {
    const o = await orphan(20, 20, 600_000, 900_000);
    expect(await o.run(true)).toBe(0);
    expect(JSON.parse(o.b.out())).toMatchObject({
      action: "left-alone",
      handover: { rolloutId: o.id, lapsesInSeconds: 300 },
    });
  });

  it("a lapsed handover (no job resumed it): reverted from the served split, the reason names the handover", async () => {
    const o = await orphan(5, 20, 960_000, 900_000);
    expect(await o.run()).toBe(2);
    expect(o.driver.weights()).toEqual([0]);
    expect(await readState(o.dir, "prod")).toMatchObject({ status: "reverted", weight: 0 });
    expect((await readState(o.dir, "prod"))?.reason).toMatch(
      new RegExp(
        `^reconcile: the handover of rollout ${o.id} lapsed 60 s ago with no job resuming it: holder pid 4242 on ci-runner-7 since \\S+ \\(ion-rollout start prod\\); the platform serves 20% canary$`,
      ),
    );
  });
});

describe("operators and a live handover", () => {
  it("an operator's abort reverts it at once; promote --full is refused naming the rollout, nothing applied", async () => {
    const promoted = await orphan(20, 20, 600_000, 900_000);
    const refused = bufferedStreams();
    const code = await promoteCommand(
      "prod",
      { config: CONFIG, stateDir: promoted.dir, full: true, yes: true },
      refused.io,
      operatorEdges(promoted.driver),
    );
    expect(code).toBe(1);
    expect(refused.err()).toContain(`rollout ${promoted.id} on `);
    expect(promoted.driver.weights()).toEqual([]);
    const aborted = await orphan(20, 20, 600_000, 900_000);
    const b = bufferedStreams();
    expect(
      await abortCommand(
        "prod",
        { config: CONFIG, stateDir: aborted.dir },
        b.io,
        operatorEdges(aborted.driver),
      ),
    ).toBe(0);
    expect(aborted.driver.weights()).toEqual([0]);
    expect(b.err()).toContain(`took over the handover of rollout ${aborted.id} from pid 4242 on ci-runner-7`);
    expect(await readState(aborted.dir, "prod")).toMatchObject({ status: "reverted", weight: 0 });
  });
});

describe("reconcile racing another actor for the lease", () => {
  it("a runner takes the lease between reconcile's look and its take: exit 0, saying who got there first, nothing applied", async () => {
    const o = await orphan(20, 20, 90_000);
    // The served split is read between the two: the racing runner takes the lapsed lease then.
    const read = o.driver.currentCanaryWeight.bind(o.driver);
    o.driver.currentCanaryWeight = async () => {
      await takeLease(new LocalDirectoryStore(o.dir), trafficLeaseSite(o.scope).target, {
        ttlMs: 60_000,
        command: "ion-rollout resume prod",
        pid: 5151,
        host: "ci-runner-8",
      });
      return read();
    };
    expect(await o.run()).toBe(0);
    expect(o.driver.weights()).toEqual([]);
    expect(o.b.out()).toMatch(
      /^prod: left alone, another actor got there first: another runner holds .*: pid 5151 on ci-runner-8 /,
    );
    expect(o.b.err()).toBe("");
    expect((await readState(o.dir, "prod"))?.status).toBe("running");
  });
});
