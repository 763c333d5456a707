import { describe, expect, it } from "vitest";
import { RolloutRefused, type RunOptions, runRollout } from "../../src/rollout/controller/runner";
import {
  readTrafficLease,
  takeTrafficLease,
  trafficLeaseSite,
} from "../../src/rollout/controller/traffic-lease";
import type { RunnerEvent } from "../../src/rollout/core/events";
import {
  HandoverPendingError,
  LeaseHeldError,
  LeaseLostError,
  leaseKey,
} from "../../src/rollout/store/lease";
import { readJournal, readState, writeRequest } from "../support/records";
import { FakeDriver, FakeMetrics, FakeTime, fakeRun, healthy } from "./fakes";
import { prod, consecutiveProdWith as prodWith } from "./fixtures";

const quick = () =>
  prodWith({
    rollout: { bakeSeconds: 120, checkIntervalSeconds: 60, minRequestsPerStep: 0, maxStepSeconds: 600 },
  });

const setup = (overrides: Partial<RunOptions> = {}, canary?: ConstructorParameters<typeof FakeMetrics>[1]) =>
  fakeRun(quick(), overrides, canary);

describe("runRollout in fake time", () => {
  it("steps 5 -> 10 -> 25 -> 50 -> 100 and promotes with rolloutInProgress cleared", async () => {
    const { driver, options, notifier, time } = setup();
    const result = await runRollout(options);
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0 });
    expect(driver.weights()).toEqual([5, 10, 25, 50, 100, 100]);
    expect(driver.applied.slice(0, 5).every((c) => c.rolloutInProgress)).toBe(true);
    expect(driver.applied.at(-1)?.rolloutInProgress).toBe(false);
    // 5 steps x 120 s bake, checks on the step schedule
    expect(time.now - time.at(0)).toBe(600_000);
    const state = await readState(options.stateDir, "prod");
    expect(state).toMatchObject({ status: "promoted", weight: 100 });
    expect(state?.retireOldAfter).toBe(time.now + 86_400_000);
    expect(notifier.events.map((e) => e.kind)).toEqual([
      "start",
      "step",
      "step",
      "step",
      "step",
      "step",
      "promote",
    ]);
    expect((await readJournal(options.stateDir, "prod")).map((r) => r.action)).toEqual([
      "hold",
      "advance",
      "hold",
      "advance",
      "hold",
      "advance",
      "hold",
      "advance",
      "hold",
      "promote",
    ]);
  });

  it("an apply failure reverts", async () => {
    const { driver, options } = setup();
    driver.failAt.add(25);
    const result = await runRollout(options);
    expect(result).toMatchObject({ outcome: "reverted", exitCode: 2 });
    expect(driver.weights()).toEqual([5, 10, 0]);
    const last = (await readJournal(options.stateDir, "prod")).at(-1);
    expect(last).toMatchObject({ action: "revert", nextWeight: 0 });
    expect(last?.reason).toContain("apply of 25% failed");
    expect(await readState(options.stateDir, "prod")).toMatchObject({
      status: "reverted",
      weight: 0,
      causedBy: last?.seq,
    });
  });

  it("an inconclusive streak (metrics backend down) reverts after maxInconclusiveChecks", async () => {
    const { driver, options, time } = setup({}, () => new Error("connect ECONNREFUSED 127.0.0.1:9090"));
    const result = await runRollout(options);
    expect(result.outcome).toBe("reverted");
    expect(driver.weights()).toEqual([5, 0]);
    expect(time.now - time.at(0)).toBe(180_000);
    const records = await readJournal(options.stateDir, "prod");
    expect(records.map((r) => r.verdict)).toEqual(["INCONCLUSIVE", "INCONCLUSIVE", "INCONCLUSIVE"]);
    expect(records.at(-1)?.reasons[0]).toContain("ECONNREFUSED");
  });

  it("a NO-GO reverts with the record that caused it", async () => {
    const { driver, options } = setup({}, () => healthy(5000, { errors: 100 }));
    const result = await runRollout(options);
    expect(result.outcome).toBe("reverted");
    expect(driver.weights()).toEqual([5, 0]);
    const state = await readState(options.stateDir, "prod");
    const cause = (await readJournal(options.stateDir, "prod")).find((r) => r.seq === state?.causedBy);
    expect(cause).toMatchObject({ verdict: "NO-GO", action: "revert", at: 180 });
  });

  it("a step that never reaches GO times out into a hold (exit 3), and resume gives it a fresh window", async () => {
    const { driver, options } = setup({}, () => healthy(1000, { p95LatencyMs: 300 }));
    const result = await runRollout(options);
    expect(result).toMatchObject({ outcome: "held", exitCode: 3 });
    expect(driver.weights()).toEqual([5]);
    expect(await readState(options.stateDir, "prod")).toMatchObject({
      status: "held",
      heldBy: "timeout",
      weight: 5,
    });
    // Resumed an hour later with a healthy canary: the completed bake stays completed, the next check advances.
    const later = setup({ stateDir: options.stateDir, mode: "resume" });
    later.time.now = later.time.at(3600);
    later.driver.weight = 5;
    const resumed = await runRollout(later.options);
    expect(resumed.outcome).toBe("promoted");
    const records = await readJournal(options.stateDir, "prod");
    const firstAfter = records.find((r) => r.at > 3600);
    expect(firstAfter).toMatchObject({ action: "advance", at: 3660 });
  });

  it("SIGINT reverts by default; --on-interrupt hold keeps the weight; both recorded", async () => {
    for (const onInterrupt of ["revert", "hold"] as const) {
      const controller = new AbortController();
      const { driver, options, time } = setup({ signal: controller.signal, onInterrupt });
      time.onSleep = (now) => {
        if (now >= time.at(150)) controller.abort();
        return undefined;
      };
      const result = await runRollout(options);
      const state = await readState(options.stateDir, "prod");
      if (onInterrupt === "revert") {
        expect(result.outcome).toBe("reverted");
        expect(driver.weights()).toEqual([5, 10, 0]);
        expect(state?.status).toBe("reverted");
      } else {
        expect(result).toMatchObject({ outcome: "held", exitCode: 3 });
        expect(driver.weights()).toEqual([5, 10]);
        expect(state).toMatchObject({ status: "held", heldBy: "interrupt", weight: 10 });
      }
      expect((await readJournal(options.stateDir, "prod")).at(-1)?.reason).toContain("interrupt");
    }
  });

  it("an interrupt that cuts an apply short holds at the weight the platform serves, not the state's", async () => {
    // The platform took the new weight, then SIGTERM aborted the call before it returned (HAProxy's
    // verification read, a cancelled `pulumi up` that had already updated the service).
    for (const lands of ["applied", "not applied"] as const) {
      const controller = new AbortController();
      const { driver, options } = setup({ signal: controller.signal, onInterrupt: "hold" });
      const apply = driver.apply.bind(driver);
      driver.apply = async (change) => {
        if (change.canaryWeight !== 25) return apply(change);
        if (lands === "applied") await apply(change);
        controller.abort("SIGTERM");
        throw new Error("aborted");
      };
      const result = await runRollout(options);
      const served = lands === "applied" ? 25 : 10;
      expect(driver.weight).toBe(served);
      expect(result).toMatchObject({ outcome: "held" });
      expect(await readState(options.stateDir, "prod")).toMatchObject({ status: "held", weight: served });
      expect((await readJournal(options.stateDir, "prod")).at(-1)).toMatchObject({
        action: "hold",
        nextWeight: served,
      });
    }
  });

  it("an interrupt that cuts an apply short reverts when the served weight cannot be read", async () => {
    const controller = new AbortController();
    const { driver, options } = setup({ signal: controller.signal, onInterrupt: "hold" });
    const apply = driver.apply.bind(driver);
    driver.apply = async (change) => {
      await apply(change);
      if (change.canaryWeight === 25) {
        driver.currentCanaryWeight = () => Promise.reject(new Error("stats socket gone"));
        controller.abort("SIGTERM");
        throw new Error("aborted");
      }
    };
    const result = await runRollout(options);
    expect(result.outcome).toBe("reverted");
    expect(driver.weight).toBe(0);
    expect(result.reason).toMatch(/served weight.*stats socket gone/);
  });

  it("an operator's abort request from another shell reverts at the next safe point", async () => {
    const { driver, options, time } = setup();
    time.onSleep = async (now) => {
      if (now === time.at(30))
        await writeRequest(options.stateDir, "prod", {
          action: "abort",
          at: now,
          by: "alice",
          rolloutId: (await readState(options.stateDir, "prod"))?.id ?? "",
        });
      return undefined;
    };
    const result = await runRollout(options);
    expect(result.outcome).toBe("reverted");
    expect(time.now).toBe(time.at(30));
    expect(driver.weights()).toEqual([5, 0]);
    expect((await readJournal(options.stateDir, "prod")).at(-1)?.reason).toBe("aborted by alice");
  });
});

describe("durable state: restart mid-step", () => {
  it("a runner killed during a step resumes the bake: the step ends at the planned time, not later", async () => {
    const cfg = prodWith({
      rollout: { bakeSeconds: 900, checkIntervalSeconds: 60, minRequestsPerStep: 200 },
    });
    const first = setup({ cfg, lease: { pid: 1111, isAlive: () => true } }, () => healthy(30));
    // The process dies at 330 s: its sleep never returns, its lock stays behind.
    let died: () => void = () => {};
    const dead = new Promise<void>((resolve) => {
      died = resolve;
    });
    first.time.onSleep = (now) => {
      if (now < first.time.at(330)) return undefined;
      died();
      return new Promise<never>(() => {});
    };
    // A dead process keeps nothing running; this one's lease keeper does, and loses the lease to the
    // next runner: its run then rejects with LeaseLostError, which nobody is left to hear.
    void runRollout(first.options).catch(() => undefined);
    await dead;
    const saved = await readState(first.options.stateDir, "prod");
    expect(saved).toMatchObject({ status: "running", weight: 5 });
    expect(saved?.core.step).toMatchObject({ index: 0, startedAt: 0, requests: 150, checks: 5 });

    // A new runner 70 s later, on the same host: the old pid is dead, the lock is taken over.
    const time = new FakeTime();
    time.now = time.at(400);
    const driver = new FakeDriver();
    driver.weight = 5;
    const events: RunnerEvent[] = [];
    let stopAfterStep = false;
    time.onSleep = () => {
      if (stopAfterStep) controller.abort();
      return undefined;
    };
    const controller = new AbortController();
    const resumed = runRollout({
      ...first.options,
      mode: "resume",
      driver,
      metrics: new FakeMetrics(time, () => healthy(30)),
      clock: time.clock,
      monotonic: time.monotonic,
      sleep: time.sleep,
      signal: controller.signal,
      onInterrupt: "hold",
      onEvent: (e) => {
        events.push(e);
        if (e.type === "apply" && e.weight === 10) stopAfterStep = true;
      },
      lease: { pid: 2222, isAlive: (pid) => pid !== 1111 },
    });
    const result = await resumed;
    expect(events[0]).toMatchObject({ type: "warning" });
    expect((events[0] as { message: string }).message).toContain("pid 1111");
    expect(result.outcome).toBe("held");
    // No re-apply of 5% (the platform already served it); the step advanced exactly at 900 s.
    expect(driver.weights()).toEqual([10]);
    const records = await readJournal(first.options.stateDir, "prod");
    const advance = records.find((r) => r.action === "advance");
    expect(advance).toMatchObject({ at: 900, step: 1, bake: { elapsedSeconds: 900 } });
    // Checks before the kill and after the resume share one schedule: 60, 120, ..., 300, then 420, 480, ...
    expect(records.filter((r) => r.signals.length > 0).map((r) => r.at)).toEqual([
      60, 120, 180, 240, 300, 420, 480, 540, 600, 660, 720, 780, 840, 900,
    ]);
    expect(advance?.bake.requests).toBe(420);
  });

  it("resume without state, or start over an active rollout, is refused and applies nothing", async () => {
    const { options, driver } = setup({ mode: "resume" });
    await expect(runRollout(options)).rejects.toThrow(RolloutRefused);
    const held = setup({}, () => healthy(1000, { p95LatencyMs: 300 }));
    await runRollout(held.options);
    const again = setup({ stateDir: held.options.stateDir });
    await expect(runRollout(again.options)).rejects.toThrow(/already held/);
    expect(driver.applied).toEqual([]);
    expect(again.driver.applied).toEqual([]);
  });
});

describe("lease", () => {
  const scopeOf = (stateDir: string) => ({ cfg: prod(), projectDir: process.cwd(), stateDir });
  it("refuses a second runner and names the holder", async () => {
    const { options, driver } = setup();
    await takeTrafficLease(scopeOf(options.stateDir), {
      pid: 777,
      host: "build-7",
      isAlive: () => true,
      command: "x",
    });
    const error = await runRollout({
      ...options,
      lease: { pid: 888, host: "build-7", isAlive: () => true },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(LeaseHeldError);
    expect(error.message).toContain("pid 777 on build-7");
    expect(driver.applied).toEqual([]);
  });

  it("--on-interrupt handover: a stop signal holds and leaves the lease to resume of this rollout alone", async () => {
    const leases = [];
    for (const onInterrupt of ["hold", "handover"] as const) {
      const controller = new AbortController();
      const { options, time } = setup({ signal: controller.signal, onInterrupt });
      time.onSleep = (now) => {
        if (now >= time.at(150)) controller.abort("SIGINT");
        return undefined;
      };
      const result = await runRollout(options);
      expect(result).toMatchObject({ outcome: "held", state: { heldBy: "interrupt", weight: 10 } });
      leases.push({ result, lease: await readTrafficLease(scopeOf(options.stateDir)), options });
    }
    // A plain hold releases the lease (no runner judges the canary: reconcile reverts it).
    expect(leases[0]?.lease).toBeUndefined();
    const handed = leases[1];
    expect(handed?.lease).toMatchObject({
      live: true,
      ttlMs: 900_000,
      handover: { rolloutId: handed?.result.state.id },
      holder: { pid: 4242 },
    });
    const stateDir = handed?.options.stateDir ?? "";
    // Its holder's process is gone (isAlive: false) and still no start may take it.
    const start = setup({ stateDir });
    await expect(runRollout(start.options)).rejects.toBeInstanceOf(HandoverPendingError);
    expect(start.driver.applied).toEqual([]);
    const resume = setup({ stateDir, mode: "resume", lease: { pid: 5151, isAlive: () => false } });
    resume.driver.weight = 10;
    expect(await runRollout(resume.options)).toMatchObject({ outcome: "promoted" });
    expect(resume.events).toContainEqual(
      expect.objectContaining({
        type: "warning",
        message: expect.stringMatching(/^took over the handover of rollout \S+ from pid 4242 /),
      }),
    );
  });

  it("releases its own lease at the end: the next runner takes it without a takeover", async () => {
    const { options } = setup({}, () => healthy(1000));
    await runRollout(options);
    expect(await readTrafficLease(scopeOf(options.stateDir))).toBeUndefined();
  });

  it("a lost lease stops the runner at once: nothing applied or written after it", async () => {
    const { options, driver, time } = setup({}, () => healthy(1000));
    const scope = scopeOf(options.stateDir);
    let taken = false;
    time.onSleep = () => {
      if (taken || driver.applied.length === 0) return undefined;
      taken = true;
      // Another runner replaces the lease (as after a lapse); this runner's next renewal loses it.
      const { store, target } = trafficLeaseSite(scope);
      // ...and this runner's sleep never ends: only the lost lease can end its rollout.
      return store
        .read(leaseKey(target))
        .then((found) => store.write(leaseKey(target), "{}", { ifVersion: found?.version ?? "" }))
        .then(() => new Promise<never>(() => {}));
    };
    const error = await runRollout({
      ...options,
      cfg: {
        ...options.cfg,
        rollout: {
          ...options.cfg.rollout,
          lease: { ...options.cfg.rollout.lease, ttlSeconds: 3, renewSeconds: 1 },
        },
      },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(LeaseLostError);
    expect(driver.weights()).toEqual([5]);
  });
});
