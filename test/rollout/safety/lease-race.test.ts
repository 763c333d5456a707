import { type ChildProcess, fork, spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStageConfig } from "../../../src/config";
import { runRollout } from "../../../src/rollout/controller/runner";
import { takeTrafficLease } from "../../../src/rollout/controller/traffic-lease";
import { trafficIdentity } from "../../../src/rollout/edges/traffic-identity";
import { LocalDirectoryStore } from "../../../src/rollout/store/backends/local-directory";
import { LeaseHeldError, leaseKey } from "../../../src/rollout/store/lease";
import { FakeDriver, FakeMetrics, FakeTime, tempDir } from "../fakes";
import { ROOT } from "../fixtures";

/** One winner per takeover of a dead runner's lease, and the lease is keyed on what is driven. */

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

describe("the lease under a real race", () => {
  const workers: ChildProcess[] = [];
  beforeAll(async () => {
    for (let i = 0; i < WORKERS; i++) {
      const worker = fork(join(__dirname, "lease-worker.ts"), [], {
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

  it(`${ROUNDS} synchronised takeovers of a dead runner's lease: exactly one winner each time`, async () => {
    const dir = tempDir();
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    const losses = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const stale = {
        holder: {
          token: `dead-${round}`,
          pid: dead,
          host: hostname(),
          since: "",
          command: "dead",
          target: "t",
        },
        ttlMs: 60_000,
      };
      await new LocalDirectoryStore(dir).write(leaseKey(TARGET), JSON.stringify(stale), { ifAbsent: true });
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
    expect([...losses]).toEqual(["LeaseHeldError"]);
  }, 120_000);
});

describe("the lease is keyed on the traffic target, not the stage's name", () => {
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
    const first = await takeTrafficLease(
      { cfg: local("local"), projectDir: ROOT, stateDir: dir },
      { command: "ion-rollout start local" },
    );
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
    expect(error).toBeInstanceOf(LeaseHeldError);
    expect(error.message).toContain("HAProxy /tmp/shared-haproxy.sock backend app");
    expect(error.message).toContain("ion-rollout start local");
    expect(driver.applied).toEqual([]);
    await first.release();
  });

  it("different backends on the same socket are different targets", () => {
    const a = trafficIdentity(local("a"), ROOT);
    const cfg = local("b");
    const b = trafficIdentity(
      {
        ...cfg,
        local: { ...(cfg.local as NonNullable<typeof cfg.local>), backend: "other" },
      },
      ROOT,
    );
    expect(a.key).not.toBe(b.key);
  });
});
