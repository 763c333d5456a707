import { type ChildProcess, fork, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStageConfig } from "../../../src/config";
import { runRollout } from "../../../src/rollout/controller/runner";
import { acquireLock, LockError, lockPath, lockTargetOf } from "../../../src/rollout/store/lock";
import { FakeDriver, FakeMetrics, FakeTime, tempDir } from "../fakes";
import { ROOT } from "../fixtures";

/** One winner per stale takeover, and the lock is keyed on what is driven. */

const TARGET = { key: "test:lock-race", description: "the race's traffic target" };
const WORKERS = 4;
const ROUNDS = 50;

type Reply = { ready?: boolean; released?: boolean; round?: number; won?: boolean; error?: string };

function nextReply(worker: ChildProcess, wanted: (reply: Reply) => boolean): Promise<Reply> {
  return new Promise((resolve) => {
    const onMessage = (reply: Reply) => {
      if (!wanted(reply)) return;
      worker.off("message", onMessage);
      resolve(reply);
    };
    worker.on("message", onMessage);
  });
}

describe("the lock under a real race", () => {
  const workers: ChildProcess[] = [];
  beforeAll(async () => {
    for (let i = 0; i < WORKERS; i++) {
      const worker = fork(join(__dirname, "lock-worker.ts"), [], {
        cwd: ROOT,
        execArgv: ["--require", "tsx/cjs"],
      });
      workers.push(worker);
    }
    await Promise.all(workers.map((w) => nextReply(w, (r) => r.ready === true)));
  }, 60_000);
  afterAll(() => {
    for (const w of workers) w.kill("SIGKILL");
  });

  it(`${ROUNDS} synchronised takeovers of a dead runner's lock: exactly one winner each time`, async () => {
    const dir = tempDir();
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    const losses = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const stale = {
        pid: dead,
        host: hostname(),
        since: new Date(round * 1000).toISOString(),
        command: "dead",
      };
      writeFileSync(lockPath(dir, TARGET), `${JSON.stringify(stale)}\n`);
      const startAt = Date.now() + 30;
      const replies = await Promise.all(
        workers.map((w) => {
          const reply = nextReply(w, (r) => r.round === round);
          w.send({ round, dir, startAt });
          return reply;
        }),
      );
      expect(replies.filter((r) => r.won).length, `round ${round}: ${JSON.stringify(replies)}`).toBe(1);
      for (const r of replies.filter((r) => !r.won)) losses.add((r.error ?? "").split(":")[0] ?? "");
      await Promise.all(
        workers.map((w) => {
          const reply = nextReply(w, (r) => r.released === true);
          w.send({ release: true });
          return reply;
        }),
      );
    }
    expect([...losses]).toEqual(["LockError"]);
  }, 120_000);
});

describe("the lock is keyed on the traffic target, not the stage's name", () => {
  const local = (stage: string) =>
    parseStageConfig(stage, {
      platform: "local",
      service: { name: "ion-api" },
      local: { haproxySocket: "/tmp/shared-haproxy.sock" },
      releases: {
        stable: { image: "local/ion-api:1.0.0", name: "ion-api-v1" },
        canary: { image: "local/ion-api:1.0.0", name: "ion-api-v1" },
      },
    });

  it("two stage names driving the same HAProxy backend cannot run at once", async () => {
    const dir = tempDir();
    const first = acquireLock(dir, lockTargetOf(local("local")), { command: "ion-rollout start local" });
    const time = new FakeTime();
    const driver = new FakeDriver();
    const error = await runRollout({
      cfg: local("other"),
      driver,
      metrics: new FakeMetrics(time),
      stateDir: dir,
      mode: "start",
      clock: time.clock,
      sleep: time.sleep,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(LockError);
    expect(error.message).toContain("HAProxy /tmp/shared-haproxy.sock backend app");
    expect(error.message).toContain("ion-rollout start local");
    expect(driver.applied).toEqual([]);
    first.release();
  });

  it("different backends on the same socket are different targets", () => {
    const a = lockTargetOf(local("a"));
    const cfg = local("b");
    const b = lockTargetOf({
      ...cfg,
      local: { ...(cfg.local as NonNullable<typeof cfg.local>), backend: "other" },
    });
    expect(a.key).not.toBe(b.key);
  });
});
