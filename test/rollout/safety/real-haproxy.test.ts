import { mkdirSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startHaproxy } from "../../../rehearsal/haproxy";
import { layoutFor } from "../../../rehearsal/layout";
import { ProcessGroup } from "../../../rehearsal/processes";
import { abortCommand } from "../../../src/rollout/commands/operator";
import { retireCommand } from "../../../src/rollout/commands/retire";
import { type RunOptions, runRollout } from "../../../src/rollout/controller/runner";
import { HaproxyTrafficDriver } from "../../../src/rollout/edges/drivers/haproxy";
import type { TrafficDriver } from "../../../src/rollout/edges/types";
import { storeIo } from "../../../src/rollout/store/io";
import { PROJECT_DIR, type TestStage, testStage } from "../../rehearsal/fixtures";
import { writeRequest } from "../../support/records";
import { bufferedStreams, FakeMetrics, FakeTime, healthy, operatorEdges, T0, tempDir } from "../fakes";

/**
 * The safety cases against the real HAProxy (its runtime API, the weight it serves), with the
 * runner and the operator commands in this process on fake time and fake metrics: a full or
 * read-only state directory, a wall-clock step, frozen metrics, a leftover request, retire after
 * a revert by hand. HAProxy alone starts in ~0.1 s; no apps, Prometheus or load.
 */

let stage: TestStage;
let group: ProcessGroup;
let haproxy: HaproxyTrafficDriver;
const original = { ...storeIo };

beforeAll(async () => {
  stage = await testStage({
    rollout: {
      steps: [50, 100],
      bakeSeconds: 600,
      maxStepSeconds: 900,
      checkIntervalSeconds: 60,
      analysis: "consecutive",
      preTraffic: { enabled: false },
      retainOldSeconds: 86_400,
    },
  });
  const layout = layoutFor(stage.cfg, stage.workDir, PROJECT_DIR);
  mkdirSync(layout.logDir, { recursive: true });
  group = new ProcessGroup();
  const [stablePort, canaryPort] = layout.local.appPorts as [number, number];
  await startHaproxy(group, layout, { stablePort, canaryPort, canaryWeight: 0 });
  haproxy = HaproxyTrafficDriver.forStage(stage.cfg, PROJECT_DIR);
}, 30_000);

afterEach(async () => {
  Object.assign(storeIo, original);
  await haproxy.apply({
    canaryWeight: 0,
    releases: stage.cfg.releases,
    rolloutInProgress: false,
    reason: "reset",
  });
});

afterAll(async () => {
  await group?.stopAll();
  stage?.cleanup();
});

/** Every write to a state directory fails like `code` from now on. */
function failWrites(code: "ENOSPC" | "EROFS"): void {
  const fail = () => {
    throw Object.assign(new Error(`${code}: simulated failing disk`), { code });
  };
  Object.assign(storeIo, { mkdir: fail, open: fail, write: fail, rename: fail, link: fail });
}

/**
 * The real HAProxy driver, noting every weight the runner asks for; no app is deployed (the
 * weights are what these cases are about), so deploying and readiness answer at once.
 */
function watched(): { driver: TrafficDriver; asked: number[] } {
  const asked: number[] = [];
  const driver: TrafficDriver = {
    description: haproxy.description,
    apply: (change, signal) => {
      asked.push(change.canaryWeight);
      return haproxy.apply(change, signal);
    },
    currentCanaryWeight: () => haproxy.currentCanaryWeight(),
    deployCanary: async () => {},
    waitReady: async (release) => `${release.name}: no app in this test`,
  };
  return { driver, asked };
}

function run(
  time: FakeTime,
  canary: (now: number) => ReturnType<typeof healthy>,
  overrides: Partial<RunOptions> = {},
) {
  const { driver, asked } = watched();
  const options: RunOptions = {
    cfg: stage.cfg,
    driver,
    metrics: new FakeMetrics(time, canary),
    stateDir: tempDir(),
    mode: "start",
    clock: time.clock,
    monotonic: time.monotonic,
    sleep: time.sleep,
    lease: { pid: 4242, isAlive: () => false },
    ...overrides,
  };
  return { options, asked };
}

const failing = () => healthy(5000, { errors: 2500 });

describe("the safety cases on the real HAProxy", () => {
  it("disk full at 50%, then SIGTERM: HAProxy serves 0%", async () => {
    const time = new FakeTime();
    const interrupt = new AbortController();
    const { options } = run(time, () => healthy(5000), { signal: interrupt.signal });
    time.onSleep = (now) => {
      if (now < time.at(90)) return undefined;
      failWrites("ENOSPC");
      interrupt.abort("SIGTERM");
      return undefined;
    };
    expect((await runRollout(options)).outcome).toBe("reverted");
    expect(await haproxy.currentCanaryWeight()).toBe(0);
  });

  it("state directory read-only, HAProxy at 50%, abort with no runner: HAProxy serves 0%", async () => {
    await haproxy.apply({
      canaryWeight: 50,
      releases: stage.cfg.releases,
      rolloutInProgress: true,
      reason: "test",
    });
    failWrites("EROFS");
    const b = bufferedStreams();
    const options = { config: stage.stageFile, stateDir: tempDir() };
    expect(
      await abortCommand(
        "rehearsal",
        options,
        b.io,
        operatorEdges(watched().driver, () => T0),
      ),
    ).toBe(0);
    expect(b.err()).toMatch(/EROFS/);
    expect(await haproxy.currentCanaryWeight()).toBe(0);
  });

  it("wall clock stepped back an hour at 50%, then the canary fails: HAProxy at 0% within a few checks", async () => {
    const time = new FakeTime();
    let failingSince: number | undefined;
    const { options } = run(time, () => (failingSince === undefined ? healthy(5000) : failing()));
    time.onSleep = () => {
      if (failingSince === undefined && time.mono >= 90_000) {
        time.now -= 3_600_000;
        failingSince = time.mono;
      }
      return undefined;
    };
    expect((await runRollout(options)).outcome).toBe("reverted");
    expect(time.mono - (failingSince ?? 0)).toBeLessThan(5 * 60_000);
    expect(await haproxy.currentCanaryWeight()).toBe(0);
  });

  it("frozen metrics from 50% on: HAProxy never serves 100%", async () => {
    const time = new FakeTime();
    const { options, asked } = run(time, (now) => healthy(5000, { sampleAgeSeconds: (now - T0) / 1000 + 1 }));
    expect((await runRollout(options)).outcome).toBe("reverted");
    expect(asked).not.toContain(100);
    expect(await haproxy.currentCanaryWeight()).toBe(0);
  });

  it("a promote left from an ended rollout, a canary failing half its requests: HAProxy never serves 100%", async () => {
    const time = new FakeTime();
    const { options, asked } = run(time, failing);
    await writeRequest(options.stateDir, "rehearsal", {
      action: "promote",
      at: T0,
      by: "alice",
      rolloutId: "ended",
    });
    expect((await runRollout(options)).outcome).toBe("reverted");
    expect(asked).not.toContain(100);
    expect(await haproxy.currentCanaryWeight()).toBe(0);
  });

  it("retire --now after the canary was reverted to 0% by hand: refused, HAProxy stays at 0%", async () => {
    const time = new FakeTime();
    const { options } = run(time, () => healthy(5000));
    expect((await runRollout(options)).outcome).toBe("promoted");
    await haproxy.apply({
      canaryWeight: 0,
      releases: stage.cfg.releases,
      rolloutInProgress: false,
      reason: "by hand",
    });
    const b = bufferedStreams();
    const retire = { config: stage.stageFile, stateDir: options.stateDir, now: true };
    expect(await retireCommand("rehearsal", retire, b.io, operatorEdges(watched().driver, time.clock))).toBe(
      1,
    );
    expect(b.err()).toMatch(/serves 0% canary, not 100%/);
    expect(await haproxy.currentCanaryWeight()).toBe(0);
  });
});
