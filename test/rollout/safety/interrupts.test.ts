import { afterAll, describe, expect, it } from "vitest";
import { readJournal, readState } from "../../support/records";
import { cli, type LocalFake, localConfig, localFake, lockFiles, startArgs } from "./local-fakes";

/**
 * Nothing short of SIGKILL leaves a canary between weights. The real CLI drives
 * a fake HAProxy socket; each test waits on what the runner says (a check event on stdout, a line
 * on stderr) and on what the fake receives, never on a timer.
 */

const fakes: LocalFake[] = [];
afterAll(async () => {
  for (const fake of fakes) await fake.close();
});

async function runningAtFirstStep() {
  const fake = await localFake();
  fakes.push(fake);
  const run = cli(startArgs(localConfig(fake)));
  await run.line(/"type":"check"/);
  expect(fake.weights["app/canary"]).toBe(5);
  return { fake, run };
}

async function expectRevertedAndRecorded(fake: LocalFake, cause: RegExp) {
  expect(fake.weights).toEqual({ "app/canary": 0, "app/stable": 100 });
  expect(await readState(fake.stateDir, "e2e")).toMatchObject({ status: "reverted", weight: 0 });
  const revert = (await readJournal(fake.stateDir, "e2e")).at(-1);
  expect(revert?.action).toBe("revert");
  expect(revert?.reason).toMatch(cause);
  expect(lockFiles(fake.stateDir)).toEqual([]);
}

describe.concurrent("interrupts end in the safe action, recorded, lock released", () => {
  for (const signal of ["SIGTERM", "SIGHUP", "SIGQUIT", "SIGINT"] as const) {
    it(`${signal} reverts to 0%`, async () => {
      const { fake, run } = await runningAtFirstStep();
      run.child.kill(signal);
      expect((await run.exit).code).toBe(2);
      await expectRevertedAndRecorded(fake, new RegExp(signal));
    });
  }

  it("a closed stdout (EPIPE, as with `| head -3`) reverts instead of crashing", async () => {
    const { fake, run } = await runningAtFirstStep();
    run.child.stdout.destroy();
    expect((await run.exit).code).toBe(2);
    expect(run.stderr()).not.toContain("Unhandled 'error' event");
    await expectRevertedAndRecorded(fake, /stdout closed \(EPIPE\)/);
  });

  it("a second SIGINT during the revert is ignored until the revert is recorded", async () => {
    const { fake, run } = await runningAtFirstStep();
    const revert = fake.hold(/set server app\/canary weight 0/);
    run.child.kill("SIGINT");
    await revert.held;
    run.child.kill("SIGINT");
    await run.line(/SIGINT: the revert is in progress; ignoring it/, "stderr");
    revert.release();
    const exit = await run.exit;
    expect(exit).toEqual({ code: 2, signal: null });
    await expectRevertedAndRecorded(fake, /SIGINT/);
  });

  it("--on-interrupt hold: SIGHUP holds the weight, recorded, lock released", async () => {
    const fake = await localFake();
    fakes.push(fake);
    const run = cli(startArgs(localConfig(fake), "--on-interrupt", "hold"));
    await run.line(/"type":"check"/);
    run.child.kill("SIGHUP");
    expect((await run.exit).code).toBe(3);
    expect(fake.weights["app/canary"]).toBe(5);
    expect(await readState(fake.stateDir, "e2e")).toMatchObject({
      status: "held",
      heldBy: "interrupt",
      weight: 5,
    });
    expect(lockFiles(fake.stateDir)).toEqual([]);
  });
});
