import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { loadStageConfig } from "../../../src/config";
import { statusCommand } from "../../../src/rollout/commands/status";
import { freshState } from "../../../src/rollout/controller/prepare";
import { takeTrafficLease } from "../../../src/rollout/controller/traffic-lease";
import { writeState } from "../../support/records";
import { bufferedStreams, FakeTime, tempDir } from "../fakes";
import { ROOT } from "../fixtures";

/** `status --watch` ends when the runner is gone or the state is stale, and says so. */

const CONFIG = `${ROOT}/Pulumi.prod.yaml`;
const cfg = loadStageConfig("prod", CONFIG);

function watch(dir: string, time: FakeTime) {
  const { text, io } = bufferedStreams();
  let polls = 0;
  const sleep = async (ms: number) => {
    polls++;
    if (polls > 5) throw new Error("status --watch kept watching");
    await time.sleep(ms);
  };
  const code = statusCommand("prod", { config: CONFIG, stateDir: dir, watch: true }, io, sleep, time.clock);
  return { code, text, polls: () => polls };
}

describe("status --watch", () => {
  it("a running state whose runner died: exits at once, saying the runner is gone", async () => {
    const dir = tempDir();
    const time = new FakeTime();
    await writeState(dir, { ...freshState("prod", cfg.releases, time.now, 25), weight: 25 });
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    await takeTrafficLease(
      { cfg, projectDir: ROOT, stateDir: dir },
      { pid: dead, host: hostname(), command: "ion-rollout start prod" },
    );
    const run = watch(dir, time);
    expect(await run.code).toBe(1);
    expect(run.polls()).toBe(0);
    expect(run.text.err).toContain("the runner is gone");
    expect(run.text.err).toContain("running at 25%");
  });

  it("a live runner whose state stopped changing: exits once the state is stale, saying it may be wedged", async () => {
    const dir = tempDir();
    const time = new FakeTime();
    await writeState(dir, freshState("prod", cfg.releases, time.now, 5));
    await takeTrafficLease(
      { cfg, projectDir: ROOT, stateDir: dir },
      { pid: process.pid, command: "ion-rollout start prod" },
    );
    time.now += 800_000;
    const run = watch(dir, time);
    expect(await run.code).toBe(1);
    expect(run.text.err).toMatch(/has not changed for 800 s although its runner is alive: it may be wedged/);
    expect(run.text.err).toContain("abort prod --force");
  });
});
