import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EXIT } from "../../../src/rollout/core/outcome";
import { readJournal, readState } from "../../support/records";
import { ROOT } from "../fixtures";
import { cli, type LocalFake, localConfig, localFake, startArgs } from "./local-fakes";

/**
 * One rollout seen and controlled from another machine: the runner and the operator share only
 * the stage config and its store (`rollout.store.path`, a directory both reach, as a bucket would
 * be); the operator works in another working directory, each has its own local `--state-dir`.
 */

const fakes: LocalFake[] = [];
afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.close();
});

/** A working directory and a local state directory of one "machine". */
function machine(fake: LocalFake, name: string): { cwd: string; stateDir: string } {
  const cwd = join(fake.dir, name);
  mkdirSync(cwd, { recursive: true });
  return { cwd, stateDir: join(cwd, ".ion-rollout") };
}

describe("a rollout in the stage's shared store", () => {
  it("started by one process, is shown by `status` and reverted by `abort` from another with another working directory and state dir", async () => {
    const fake = await localFake();
    fakes.push(fake);
    const shared = join(fake.dir, "shared-store");
    const config = localConfig(fake, { sharedStore: shared });
    // The runner works in the checkout (the local driver starts the fake app from it).
    const ci = { cwd: ROOT, stateDir: join(fake.dir, "ci-job", ".ion-rollout") };
    const laptop = machine(fake, "laptop");
    const runner = cli(startArgs(config, "--state-dir", ci.stateDir), ci.cwd);
    await runner.line(/"type":"check"/);
    expect(fake.weights["app/canary"]).toBe(5);

    const status = cli(
      ["status", "e2e", "--config", config, "--state-dir", laptop.stateDir, "--json"],
      laptop.cwd,
    );
    expect((await status.exit).code, status.stderr()).toBe(EXIT.ok);
    const shown = JSON.parse(status.stdout()) as { state: { status: string; weight: number; id: string } };
    expect(shown.state).toMatchObject({ status: "running", weight: 5 });
    expect(shown.state.id).toBe((await readState(shared, "e2e"))?.id);

    const abort = cli(["abort", "e2e", "--config", config, "--state-dir", laptop.stateDir], laptop.cwd);
    expect((await abort.exit).code, abort.stderr()).toBe(EXIT.ok);
    expect(abort.stderr()).toMatch(/asked the runner .* to abort rollout/);
    expect((await runner.exit).code).toBe(EXIT.reverted);
    expect(fake.weights).toEqual({ "app/canary": 0, "app/stable": 100 });

    // The runner acted on the request and recorded it in the shared store, nowhere else.
    expect(await readState(shared, "e2e")).toMatchObject({ status: "reverted", weight: 0 });
    expect((await readJournal(shared, "e2e")).at(-1)?.reason).toMatch(/aborted by .*ion-rollout abort/);
    for (const local of [ci.stateDir, laptop.stateDir]) expect(existsSync(join(local, "stages"))).toBe(false);
  });

  it("whose runner was killed, is reverted by `abort` from another working directory by itself", async () => {
    const fake = await localFake();
    fakes.push(fake);
    const shared = join(fake.dir, "shared-store");
    const config = localConfig(fake, { sharedStore: shared });
    const runner = cli(startArgs(config, "--state-dir", join(fake.dir, "ci-job")));
    await runner.line(/"type":"check"/);
    runner.child.kill("SIGKILL");
    await runner.exit;
    expect(fake.weights["app/canary"]).toBe(5);

    const laptop = machine(fake, "laptop");
    const abort = cli(["abort", "e2e", "--config", config, "--state-dir", laptop.stateDir], laptop.cwd);
    expect((await abort.exit).code, abort.stderr()).toBe(EXIT.ok);
    expect(fake.weights).toEqual({ "app/canary": 0, "app/stable": 100 });
    expect(await readState(shared, "e2e")).toMatchObject({ status: "reverted", weight: 0 });
    expect((await readJournal(shared, "e2e")).map((r) => r.action)).toContain("revert");
  });
});
