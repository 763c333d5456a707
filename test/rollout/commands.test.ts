import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Streams } from "../../src/rollout/commands/common";
import { resumeCommand } from "../../src/rollout/commands/drive";
import { explainCommand } from "../../src/rollout/commands/explain";
import { abortCommand, pauseCommand, promoteCommand } from "../../src/rollout/commands/operator";
import { deriveName, nextReleases } from "../../src/rollout/commands/release-name";
import { retireCommand } from "../../src/rollout/commands/retire";
import { statusCommand } from "../../src/rollout/commands/status";
import { freshState } from "../../src/rollout/controller/prepare";
import { runRollout } from "../../src/rollout/controller/runner";
import type { RunnerEvent } from "../../src/rollout/core/events";
import { progressPrinter } from "../../src/rollout/report/progress";
import { htmlReport, markdownReport, timelineSvg } from "../../src/rollout/report/report";
import { writeReports } from "../../src/rollout/report/report-files";
import { readJournal, readState } from "../support/records";
import { bufferedStreams, FakeDriver, FakeMetrics, FakeTime, healthy, operatorEdges, tempDir } from "./fakes";
import { consecutiveProd as prod, consecutiveProdWith as prodWith, ROOT } from "./fixtures";

const CONFIG = `${ROOT}/Pulumi.prod.yaml`;

/**
 * Runs a runner and another command in turns, without timers: the runner's sleep parks until
 * `wakeRunner`, which resolves once the runner has parked again (or never, when it has ended:
 * race it with the run).
 */
function lockstep() {
  let wake: () => void = () => {};
  let onParked: () => void = () => {};
  const state = {
    parked: new Promise<void>((resolve) => {
      onParked = resolve;
    }),
    runnerSleeps(): Promise<void> {
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      onParked();
      return woken;
    },
    wakeRunner(): Promise<void> {
      state.parked = new Promise<void>((resolve) => {
        onParked = resolve;
      });
      wake();
      return state.parked;
    },
  };
  return state;
}

/** A reverted rollout on disk: healthy for 3 checks, then 2% errors at adequate traffic. */
async function revertedRollout(events: RunnerEvent[] = []) {
  const dir = tempDir();
  const time = new FakeTime();
  const cfg = prodWith({ rollout: { bakeSeconds: 900, checkIntervalSeconds: 60 } });
  const result = await runRollout({
    cfg,
    driver: new FakeDriver(),
    metrics: new FakeMetrics(time, (now) => healthy(5000, { errors: now > time.at(180) ? 100 : 5 })),
    stateDir: dir,
    mode: "start",
    clock: time.clock,
    sleep: time.sleep,
    onEvent: (e) => events.push(e),
    lease: { pid: 1, isAlive: () => false },
  });
  return { dir, result };
}

describe("status and explain", () => {
  it("explain prints the query, value, threshold and sample size behind the revert", async () => {
    const { dir } = await revertedRollout();
    const b = bufferedStreams();
    expect(await explainCommand("prod", { config: CONFIG, stateDir: dir }, b.io)).toBe(0);
    const text = b.out();
    expect(text).toContain("REVERTED");
    expect(text).toMatch(
      /#6 at 360s .* NO-GO, REVERT: reverted at 5% after 6 min: error rate 2% of 5000 requests, above the 1% limit \(3 checks in a row\)/,
    );
    // The statistics stay in explain, below the first line.
    expect(text).toContain("errorRate: 2% (100/5000)");
    expect(text).toContain("<== caused the outcome");
    expect(text).toContain("value 2% n=5000 | roll back > 1% x3 (now 3) | GO <= 0.5%");
    expect(text).toContain("query: sum(increase(errors[60s]))");
    const json = bufferedStreams();
    await explainCommand("prod", { config: CONFIG, stateDir: dir, json: true }, json.io);
    const parsed = JSON.parse(json.out());
    expect(parsed.records).toHaveLength(6);
    expect(parsed.state.causedBy).toBe(6);
  });

  it("status shows the state and the latest decision; exit code follows the outcome", async () => {
    const { dir } = await revertedRollout();
    const b = bufferedStreams();
    expect(await statusCommand("prod", { config: CONFIG, stateDir: dir }, b.io)).toBe(2);
    expect(b.out()).toContain("prod: REVERTED");
    expect(b.out()).toContain("latest decision:");
    expect(await statusCommand("prod", { config: CONFIG, stateDir: tempDir() }, bufferedStreams().io)).toBe(
      1,
    );
  });

  it("status --watch follows a running rollout until it ends", async () => {
    const dir = tempDir();
    const time = new FakeTime();
    const steps = lockstep();
    let runnerSleeps = 0;
    const running = runRollout({
      cfg: prodWith({ rollout: { bakeSeconds: 60, minRequestsPerStep: 0 } }),
      driver: new FakeDriver(),
      metrics: new FakeMetrics(time, () => healthy(1000)),
      stateDir: dir,
      mode: "start",
      clock: time.clock,
      sleep: async (ms) => {
        time.now += ms;
        runnerSleeps++;
        await steps.runnerSleeps();
      },
      pollMs: 60_000,
      lease: { pid: process.pid },
    });
    // The runner's first sleep: the 5% step is applied and its state written.
    await steps.parked;
    expect(await readState(dir, "prod")).toMatchObject({ status: "running", weight: 5 });
    const b = bufferedStreams();
    let polls = 0;
    const code = await statusCommand(
      "prod",
      { config: CONFIG, stateDir: dir, watch: true },
      b.io,
      async () => {
        polls++;
        // Each poll lets the runner sleep once more, then waits until it sleeps again or ends.
        await Promise.race([steps.wakeRunner(), running]);
      },
      time.clock,
    );
    expect((await running).outcome).toBe("promoted");
    expect(code).toBe(0);
    // One poll per runner sleep (5 steps of one 60 s check each), each showing the running rollout.
    expect(runnerSleeps).toBe(5);
    expect(polls).toBe(runnerSleeps);
    expect(b.out().match(/prod: RUNNING/g)).toHaveLength(polls);
    expect(b.out()).toContain("prod: PROMOTED");
  });

  it("an invalid config is the ConfigError message and exit 1", async () => {
    const b = bufferedStreams();
    expect(await statusCommand("nope", {}, b.io)).toBe(1);
    expect(b.err()).toContain("invalid stage config");
  });
});

describe("abort and promote", () => {
  it("abort without a live runner takes the lock, applies 0% and records it", async () => {
    const dir = tempDir();
    const time = new FakeTime();
    const held = await runRollout({
      cfg: prodWith({ rollout: { bakeSeconds: 120, maxStepSeconds: 120 } }),
      driver: new FakeDriver(),
      metrics: new FakeMetrics(time, () => healthy(10)),
      stateDir: dir,
      mode: "start",
      clock: time.clock,
      sleep: time.sleep,
      lease: { pid: 1, isAlive: () => false },
    });
    expect(held.outcome).toBe("held");
    const driver = new FakeDriver();
    const b = bufferedStreams();
    expect(await abortCommand("prod", { config: CONFIG, stateDir: dir }, b.io, operatorEdges(driver))).toBe(
      0,
    );
    expect(driver.applied).toMatchObject([{ canaryWeight: 0, rolloutInProgress: false }]);
    expect(await readState(dir, "prod")).toMatchObject({ status: "reverted", weight: 0 });
    expect((await readJournal(dir, "prod")).at(-1)?.action).toBe("revert");
  });

  it("promote --full --yes applies 100% with rolloutInProgress false; without --yes and no terminal it refuses", async () => {
    const dir = tempDir();
    const driver = new FakeDriver();
    const refused = bufferedStreams();
    expect(
      await promoteCommand("prod", { config: CONFIG, stateDir: dir }, refused.io, operatorEdges(driver)),
    ).toBe(1);
    expect(driver.applied).toEqual([]);
    expect(
      await promoteCommand(
        "prod",
        { config: CONFIG, stateDir: dir, yes: true, full: true },
        bufferedStreams().io,
        operatorEdges(driver),
      ),
    ).toBe(0);
    expect(driver.applied).toMatchObject([{ canaryWeight: 100, rolloutInProgress: false }]);
  });

  it("abort while a live runner drives the stage goes to that runner, which reverts at its next safe point", async () => {
    const dir = tempDir();
    const time = new FakeTime();
    const driver = new FakeDriver();
    // The runner and the abort command take turns: each poll of the command lets the runner sleep once.
    const steps = lockstep();
    const running = runRollout({
      cfg: prod(),
      driver,
      metrics: new FakeMetrics(time, () => healthy(10)),
      stateDir: dir,
      mode: "start",
      clock: time.clock,
      sleep: async (ms) => {
        time.now += ms;
        await steps.runnerSleeps();
      },
      lease: { pid: process.pid },
    });
    await steps.parked;
    const b = bufferedStreams();
    const other = new FakeDriver();
    let polls = 0;
    const edges = {
      ...operatorEdges(other, time.clock),
      sleep: async () => {
        polls++;
        await Promise.race([steps.wakeRunner(), running]);
      },
    };
    expect(await abortCommand("prod", { config: CONFIG, stateDir: dir }, b.io, edges)).toBe(0);
    expect(b.err()).toContain("asked the runner");
    expect(b.out()).toContain("prod: REVERTED");
    // The runner acted at its next safe point: the first sleep after the request.
    expect(polls).toBe(1);
    const result = await running;
    expect(result.outcome).toBe("reverted");
    expect(result.reason).toContain("aborted by");
    expect(driver.weights()).toEqual([5, 0]);
    expect(other.applied).toEqual([]);
  });
});

/** A runner in lockstep with operator commands (see `lockstep`): healthy traffic, one check per sleep. */
function liveRunner() {
  const dir = tempDir();
  const time = new FakeTime();
  const driver = new FakeDriver();
  const steps = lockstep();
  const running = runRollout({
    cfg: prodWith({ rollout: { bakeSeconds: 120, checkIntervalSeconds: 60 } }),
    driver,
    metrics: new FakeMetrics(time, () => healthy(5000)),
    stateDir: dir,
    mode: "start",
    clock: time.clock,
    pollMs: 60_000,
    sleep: async (ms) => {
      time.now += ms;
      await steps.runnerSleeps();
    },
    lease: { pid: process.pid },
  });
  const edges = {
    ...operatorEdges(new FakeDriver(), time.clock),
    sleep: async () => {
      await Promise.race([steps.wakeRunner(), running]);
    },
  };
  const opts = { config: CONFIG, stateDir: dir };
  const checks = async (n: number) => {
    for (let i = 0; i < n; i++) await steps.wakeRunner();
  };
  const end = async () => {
    expect(await abortCommand("prod", opts, bufferedStreams().io, edges)).toBe(0);
    return running;
  };
  return { dir, driver, steps, edges, opts, checks, end };
}

describe("promote one step, pause and resume", () => {
  it("promote (no --full) asks the live runner for one step: the next weight, journaled, still judged", async () => {
    const run = liveRunner();
    await run.steps.parked;
    const b = bufferedStreams();
    expect(await promoteCommand("prod", { ...run.opts, yes: true }, b.io, run.edges)).toBe(0);
    expect(b.err()).toContain("promote one step");
    expect(run.driver.weights()).toEqual([5, 10]);
    const state = await readState(run.dir, "prod");
    expect(state).toMatchObject({ status: "running", weight: 10, core: { step: { index: 1, requests: 0 } } });
    expect((await readJournal(run.dir, "prod")).at(-1)).toMatchObject({ action: "advance", nextWeight: 10 });
    expect((await run.end()).outcome).toBe("reverted");
  });

  it("pause holds a GO at its weight (past the bake) until resume; then the step advances", async () => {
    const run = liveRunner();
    await run.steps.parked;
    expect(await pauseCommand("prod", run.opts, bufferedStreams().io, run.edges)).toBe(0);
    expect((await readState(run.dir, "prod"))?.pausedBy).toContain("ion-rollout pause");
    // Five checks, 300 s at 5% with healthy traffic: past the 120 s bake, GO, but paused.
    await run.checks(5);
    expect(run.driver.weights()).toEqual([5]);
    const paused = await readState(run.dir, "prod");
    expect(paused?.lastDecision).toMatchObject({ action: "hold", verdict: "GO" });
    expect(paused?.lastDecision?.reason).toMatch(/^paused by .*: holding at 5%/);
    const shown = bufferedStreams();
    expect(await statusCommand("prod", run.opts, shown.io)).toBe(0);
    expect(shown.out()).toContain("PAUSED by");
    expect(await resumeCommand("prod", run.opts, bufferedStreams().io, {}, run.edges)).toBe(0);
    expect((await readState(run.dir, "prod"))?.pausedBy).toBeUndefined();
    await run.checks(1);
    expect(run.driver.weights()).toEqual([5, 10]);
    await run.end();
  });

  it("a one-step promote or a pause with no live runner applies nothing and says what to run", async () => {
    const dir = tempDir();
    const driver = new FakeDriver();
    const opts = { config: CONFIG, stateDir: dir };
    for (const command of [
      (io: Streams) => promoteCommand("prod", { ...opts, yes: true }, io, operatorEdges(driver)),
      (io: Streams) => pauseCommand("prod", opts, io, operatorEdges(driver)),
    ]) {
      const b = bufferedStreams();
      expect(await command(b.io)).toBe(1);
      expect(b.err()).toMatch(
        /^no runner is driving prod.*`ion-rollout resume prod`.*`ion-rollout promote prod --full`/,
      );
    }
    expect(driver.applied).toEqual([]);
  });
});

/** A held rollout on disk, promoted by `promote --full --yes`: the old side kept for 24 h from now. */
async function promotedRollout() {
  const dir = tempDir();
  const time = new FakeTime();
  const driver = new FakeDriver();
  await runRollout({
    cfg: prodWith({ rollout: { bakeSeconds: 120, maxStepSeconds: 120 } }),
    driver,
    metrics: new FakeMetrics(time, () => healthy(10)),
    stateDir: dir,
    mode: "start",
    clock: time.clock,
    sleep: time.sleep,
    lease: { pid: 1, isAlive: () => false },
  });
  // The operator promotes an hour after the hold.
  const promotedAt = time.now + 3_600_000;
  await promoteCommand(
    "prod",
    { config: CONFIG, stateDir: dir, yes: true, full: true },
    bufferedStreams().io,
    operatorEdges(driver, () => promotedAt),
  );
  const state = await readState(dir, "prod");
  expect(state?.status).toBe("promoted");
  expect(state?.retireOldAfter).toBe(promotedAt + 86_400_000);
  return { dir, driver, retireAfter: state?.retireOldAfter ?? 0 };
}

describe("retire", () => {
  it("a rollout's steps always declare both sides: start applies oldSideRetired false", async () => {
    const { driver } = await promotedRollout();
    // The held 5% step, then the operator's promotion.
    expect(driver.applied.map((c) => [c.canaryWeight, c.rolloutInProgress, c.oldSideRetired])).toEqual([
      [5, true, false],
      [100, false, false],
    ]);
  });

  it("refuses when the rollout is not promoted (or there is none), applying nothing", async () => {
    const { dir } = await revertedRollout();
    const driver = new FakeDriver();
    const b = bufferedStreams();
    expect(await retireCommand("prod", { config: CONFIG, stateDir: dir }, b.io, operatorEdges(driver))).toBe(
      1,
    );
    expect(b.err()).toContain("prod is reverted, not promoted");
    const none = bufferedStreams();
    expect(
      await retireCommand("prod", { config: CONFIG, stateDir: tempDir() }, none.io, operatorEdges(driver)),
    ).toBe(1);
    expect(none.err()).toContain("nothing to retire");
    expect(driver.applied).toEqual([]);
  });

  it("refuses before the retention period ends, saying how long is left", async () => {
    const { dir, retireAfter } = await promotedRollout();
    const driver = new FakeDriver();
    const b = bufferedStreams();
    const clock = () => retireAfter - 2 * 3600_000 - 30 * 60_000;
    expect(
      await retireCommand("prod", { config: CONFIG, stateDir: dir }, b.io, operatorEdges(driver, clock)),
    ).toBe(1);
    expect(b.err()).toContain("is kept for 24 h after the promotion");
    expect(b.err()).toContain("2 h 30 min left");
    expect(driver.applied).toEqual([]);
    expect((await readState(dir, "prod"))?.retiredAt).toBeUndefined();
  });

  it("after the retention period applies oldSideRetired at 100%, records it, and status shows it", async () => {
    const { dir, retireAfter } = await promotedRollout();
    const driver = new FakeDriver();
    driver.weight = 100;
    const b = bufferedStreams();
    const clock = () => retireAfter + 1000;
    expect(
      await retireCommand("prod", { config: CONFIG, stateDir: dir }, b.io, operatorEdges(driver, clock)),
    ).toBe(0);
    const state = await readState(dir, "prod");
    expect(driver.applied).toEqual([
      {
        canaryWeight: 100,
        releases: state?.releases,
        rolloutInProgress: false,
        oldSideRetired: true,
        reason: expect.stringMatching(new RegExp(`^retire ${state?.releases.stable.name} after 24 h`)),
      },
    ]);
    expect(state).toMatchObject({ status: "promoted", retiredAt: retireAfter + 1000 });
    expect((await readJournal(dir, "prod")).at(-1)).toMatchObject({ action: "retire", nextWeight: 100 });
    const status = bufferedStreams();
    expect(await statusCommand("prod", { config: CONFIG, stateDir: dir }, status.io)).toBe(0);
    expect(status.out()).toContain(`the old side (${state?.releases.stable.name}) was retired at`);
  });

  it("--now retires before the retention period ends", async () => {
    const { dir, retireAfter } = await promotedRollout();
    const driver = new FakeDriver();
    driver.weight = 100;
    const b = bufferedStreams();
    // An hour before the retention period ends.
    const clock = () => retireAfter - 3_600_000;
    expect(
      await retireCommand(
        "prod",
        { config: CONFIG, stateDir: dir, now: true },
        b.io,
        operatorEdges(driver, clock),
      ),
    ).toBe(0);
    expect(driver.applied).toMatchObject([{ canaryWeight: 100, oldSideRetired: true }]);
    expect(driver.applied[0]?.reason).toContain("(--now,");
    expect((await readState(dir, "prod"))?.retiredAt).toBe(retireAfter - 3_600_000);
  });

  it("--now after the canary was reverted to 0% by hand: refused on the served weight, nothing applied", async () => {
    const { dir, retireAfter } = await promotedRollout();
    const driver = new FakeDriver();
    driver.weight = 0;
    const b = bufferedStreams();
    const options = { config: CONFIG, stateDir: dir, now: true };
    expect(
      await retireCommand(
        "prod",
        options,
        b.io,
        operatorEdges(driver, () => retireAfter),
      ),
    ).toBe(1);
    expect(b.err()).toMatch(/the platform serves 0% canary, not 100%.*nothing applied/);
    expect(driver.applied).toEqual([]);
    expect((await readState(dir, "prod"))?.retiredAt).toBeUndefined();
  });
});

describe("report and progress", () => {
  it("Markdown and HTML reports draw weight and signals with thresholds and link the revert to its record", async () => {
    const events: RunnerEvent[] = [];
    const { dir, result } = await revertedRollout(events);
    const records = await readJournal(dir, "prod");
    const md = markdownReport({ state: result.state, records });
    expect(md).toContain("## ion-rollout prod: reverted");
    expect(md).toContain("### Decision #6 (revert at 360s");
    expect(md).toContain("| errorRate | 2% | 5000 | 1% | 0.5% | 3/3 | NO-GO |");
    const svg = timelineSvg(records);
    expect(svg).toContain("<svg");
    expect(svg).toContain('href="#record-6"');
    expect(svg).toMatch(/roll back 1%/);
    expect(svg).toMatch(/GO 0.5%/);
    const html = htmlReport({ state: result.state, records });
    expect(html).toContain('id="record-6"');
    expect(html).toContain('<a href="#record-6">decision #6</a>');
    const summary = `${tempDir()}/summary.md`;
    const written = writeReports(`${dir}/reports`, result.state, records, { GITHUB_STEP_SUMMARY: summary });
    expect(readFileSync(summary, "utf8")).toContain("## ion-rollout prod: reverted");
    expect(readFileSync(written.html, "utf8")).toContain("<svg");
  });

  it("plain lines, JSON events and the TTY view", async () => {
    const events: RunnerEvent[] = [];
    await revertedRollout(events);
    for (const mode of ["plain", "json", "tty"] as const) {
      let text = "";
      const print = progressPrinter(mode, (t) => {
        text += t;
      });
      for (const e of events) print(e);
      if (mode === "json") {
        const lines = text
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l));
        expect(lines[0].type).toBe("start");
        expect(lines.at(-1)).toMatchObject({ type: "end", outcome: "reverted", exitCode: 2 });
        expect(lines.filter((l) => l.type === "check")).toHaveLength(6);
      } else if (mode === "plain") {
        expect(text).toContain("step 1/5 5% NO-GO -> revert");
        expect(text).toContain("REVERTED");
      } else {
        expect(text).toContain("\x1b[");
        expect(text).toMatch(/bake \d+ s of 900 s \(\d+ s left\), /);
      }
    }
  });
});

describe("release names", () => {
  it("derives a DNS label from the tag or digest, alternates blue/green", () => {
    expect(deriveName("ion-api", "us-central1-docker.pkg.dev/p/ion/ion-api:1.5.1", "ion-api-v1-5-0")).toBe(
      "ion-api-v1-5-1",
    );
    expect(deriveName("ion-api", "ion-api@sha256:0123456789abcdef", "x")).toBe("ion-api-0123456789ab");
    expect(deriveName("ion-api", "x:2", "blue")).toBe("green");
    expect(deriveName("ion-api", "x:2", "ion-mentoring-green")).toBe("ion-mentoring-blue");
  });
  it("the new stable is what serves today", () => {
    const cfg = prod();
    expect(nextReleases(cfg, "img:2.0.0", undefined, undefined).stable).toEqual(cfg.releases.stable);
    // After a reverted rollout its stable served, even when the config file names another one.
    const served = { image: "img:1.5.0", name: "ion-api-v1-5-0" };
    const canary = { image: "img:1.6.0", name: "ion-api-v1-6-0" };
    const reverted = { ...freshState("prod", { stable: served, canary }, 0, 0), status: "reverted" as const };
    expect(cfg.releases.stable).not.toEqual(served);
    expect(nextReleases(cfg, "img:2.0.0", undefined, reverted).stable).toEqual(served);
    const promoted = { ...reverted, status: "promoted" as const };
    expect(nextReleases(cfg, "img:2.0.0", undefined, promoted).stable).toEqual(canary);
  });
});
