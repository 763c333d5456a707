import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { loadStageConfig } from "../../../src/config";
import { abortCommand } from "../../../src/rollout/commands/operator";
import type { OperatorEdges } from "../../../src/rollout/commands/operator-edges";
import { takeTrafficLease } from "../../../src/rollout/controller/traffic-lease";
import { processAlive } from "../../../src/rollout/store/holder-process";
import { readRaw, readState, requestKey } from "../../support/records";
import { bufferedStreams, FakeDriver, FakeTime, tempDir } from "../fakes";
import { ROOT } from "../fixtures";

/**
 * Abort with a live runner that does not answer (stopped, wedged) gets a bounded wait;
 * `--force` then stops it and reverts from the config. The "runner" is a real process that
 * holds the lease and never reads its requests; the wait runs on a fake clock.
 */

const CONFIG = `${ROOT}/Pulumi.prod.yaml`;

/** A process holding the lease; `startTime` overrides the start time the lease records (a reused pid). */
async function wedgedRunner(dir: string, startTime?: string) {
  const child = spawn("sleep", ["600"], { stdio: "ignore" });
  const pid = child.pid as number;
  await takeTrafficLease(
    { cfg: loadStageConfig("prod", CONFIG), projectDir: ROOT, stateDir: dir },
    {
      pid,
      command: "ion-rollout start prod",
      ...(startTime ? { startTime } : {}),
    },
  );
  const gone = new Promise<void>((r) => child.on("exit", () => r()));
  return { child, pid, gone };
}

function edges(driver: FakeDriver, time: FakeTime): OperatorEdges {
  return { driverFor: async () => driver, clock: time.clock, sleep: time.sleep };
}

describe("abort with a wedged runner", () => {
  it("without --force: gives up after the bounded wait, names the runner and --force, changes nothing", async () => {
    const dir = tempDir();
    const runner = await wedgedRunner(dir);
    const driver = new FakeDriver();
    const b = bufferedStreams();
    const options = { config: CONFIG, stateDir: dir, waitSeconds: 10 };
    expect(await abortCommand("prod", options, b.io, edges(driver, new FakeTime()))).toBe(1);
    expect(b.text.err).toContain(`pid ${runner.pid}`);
    expect(b.text.err).toContain("--force");
    expect(driver.applied).toEqual([]);
    expect(await readRaw(dir, requestKey("prod"))).toBeUndefined();
    runner.child.kill("SIGKILL");
  });

  it("--force: after the wait, stops the runner, takes its lock over, reverts and records it", async () => {
    const dir = tempDir();
    const runner = await wedgedRunner(dir);
    const driver = new FakeDriver();
    driver.weight = 25;
    const time = new FakeTime();
    const b = bufferedStreams();
    const code = await abortCommand(
      "prod",
      { config: CONFIG, stateDir: dir, force: true },
      b.io,
      edges(driver, time),
    );
    expect(code).toBe(0);
    expect(time.now - new FakeTime().now).toBeGreaterThanOrEqual(30_000);
    expect(b.text.err).toContain("--force: stopping it and reverting from here");
    await runner.gone;
    expect(processAlive(runner.pid)).toBe(false);
    expect(driver.weights()).toEqual([0]);
    expect(await readState(dir, "prod")).toMatchObject({ status: "reverted", weight: 0 });
  });

  it("--force when the lock's pid now belongs to another process (another start time): that process is not killed", async () => {
    const dir = tempDir();
    const unrelated = await wedgedRunner(dir, "1");
    const driver = new FakeDriver();
    driver.weight = 50;
    const b = bufferedStreams();
    const code = await abortCommand(
      "prod",
      { config: CONFIG, stateDir: dir, force: true },
      b.io,
      edges(driver, new FakeTime()),
    );
    expect(processAlive(unrelated.pid)).toBe(true);
    expect(b.text.err).not.toContain("stopping it");
    expect(code).toBe(0);
    expect(driver.weights()).toEqual([0]);
    unrelated.child.kill("SIGKILL");
  });

  for (const value of [Number.NaN, -5]) {
    it(`--wait-seconds ${value}: refused naming the option, nothing asked, stopped or applied`, async () => {
      const dir = tempDir();
      const runner = await wedgedRunner(dir);
      const driver = new FakeDriver();
      const b = bufferedStreams();
      const options = { config: CONFIG, stateDir: dir, force: true, waitSeconds: value };
      expect(await abortCommand("prod", options, b.io, edges(driver, new FakeTime()))).toBe(1);
      expect(b.text.err).toMatch(/--wait-seconds must be a number of seconds, 0 or more/);
      expect(processAlive(runner.pid)).toBe(true);
      expect(driver.applied).toEqual([]);
      runner.child.kill("SIGKILL");
    });
  }
});
