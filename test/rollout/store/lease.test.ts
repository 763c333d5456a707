import { describe, expect, it } from "vitest";
import { keepLease } from "../../../src/rollout/controller/lease-keeper";
import {
  HandoverPendingError,
  LeaseHeldError,
  LeaseLostError,
  type LeaseOptions,
  leaseKey,
  readLease,
  takeLease,
} from "../../../src/rollout/store/lease";
import { PreconditionFailedError } from "../../../src/rollout/store/object-store";
import { MemoryStore } from "./memory-store";

const TARGET = { key: "haproxy:dev=2049:ino=77:backend=app", description: "HAProxy backend app" };
const TTL_MS = 30_000;

/** A runner on `host`: its own monotonic and wall clocks, and which pids are alive there. */
function runner(host: string, pid: number, alive: Set<number> = new Set([pid])) {
  const time = { mono: 0, wall: Date.UTC(2026, 0, 1) };
  const options: LeaseOptions = {
    ttlMs: TTL_MS,
    command: `ion-rollout start (pid ${pid})`,
    pid,
    host,
    startTime: "100",
    now: () => time.wall,
    monotonic: () => time.mono,
    isAlive: (p) => alive.has(p),
  };
  return { time, options };
}

describe("the lease on a traffic target", () => {
  it("is held by one runner; another is refused with a message naming the holder", async () => {
    const store = new MemoryStore();
    const first = await takeLease(store, TARGET, runner("ci-1", 41).options);
    const refused = takeLease(store, TARGET, runner("laptop", 42).options);
    await expect(refused).rejects.toBeInstanceOf(LeaseHeldError);
    await expect(refused).rejects.toThrow(
      /holds HAProxy backend app: pid 41 on ci-1 since 2026-01-01T00:00:00\.000Z/,
    );
    expect(first.tookOver).toBeUndefined();
  });

  it("gives exactly one of many racing takers the lease", async () => {
    const store = new MemoryStore();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => takeLease(store, TARGET, runner(`host-${i}`, 100 + i).options)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected" && r.reason instanceof LeaseHeldError)).toHaveLength(
      19,
    );
  });

  it("lapses on the store's clock: live at ttl - 1 ms, taken over at ttl + 1 ms", async () => {
    const store = new MemoryStore();
    await takeLease(store, TARGET, runner("ci-1", 41).options);
    store.storeNow += TTL_MS - 1;
    await expect(takeLease(store, TARGET, runner("ci-2", 42).options)).rejects.toBeInstanceOf(LeaseHeldError);
    store.storeNow += 2;
    const taken = await takeLease(store, TARGET, runner("ci-2", 42).options);
    expect(taken.tookOver).toMatch(/lapsed lease of pid 41 on ci-1/);
    expect((await readLease(store, TARGET))?.holder?.host).toBe("ci-2");
  });

  it("does not lapse when a runner's own wall clock jumps a day ahead", async () => {
    const store = new MemoryStore();
    await takeLease(store, TARGET, runner("ci-1", 41).options);
    const other = runner("ci-2", 42);
    other.time.wall += 86_400_000;
    other.time.mono += 86_400_000;
    await expect(takeLease(store, TARGET, other.options)).rejects.toBeInstanceOf(LeaseHeldError);
    const seen = await readLease(store, TARGET);
    expect(seen?.live).toBe(true);
    expect(seen?.leftMs).toBe(TTL_MS);
  });

  it("is taken over at once from a dead process on the same host, never from a live one elsewhere", async () => {
    const store = new MemoryStore();
    await takeLease(store, TARGET, runner("ci-1", 41).options);
    // pid 41 is gone on ci-1 (SIGKILL): a runner there takes over without waiting out the ttl.
    const resumed = await takeLease(store, TARGET, runner("ci-1", 43, new Set([43])).options);
    expect(resumed.tookOver).toMatch(/pid 41 on ci-1.*a process that is gone/);
    // Another host cannot see pid 43 and must not guess: it waits for the ttl.
    await expect(takeLease(store, TARGET, runner("ci-2", 43, new Set()).options)).rejects.toBeInstanceOf(
      LeaseHeldError,
    );
  });

  it("renewal keeps it live past the first ttl", async () => {
    const store = new MemoryStore();
    const held = runner("ci-1", 41);
    const lease = await takeLease(store, TARGET, held.options);
    for (let i = 0; i < 4; i++) {
      store.storeNow += TTL_MS / 2;
      held.time.mono += TTL_MS / 2;
      await lease.renew();
    }
    await expect(takeLease(store, TARGET, runner("ci-2", 42).options)).rejects.toBeInstanceOf(LeaseHeldError);
  });

  it("is lost when another runner replaced it, and release leaves the new holder alone", async () => {
    const store = new MemoryStore();
    const lease = await takeLease(store, TARGET, runner("ci-1", 41).options);
    store.storeNow += TTL_MS + 1;
    await takeLease(store, TARGET, runner("ci-2", 42).options);
    await expect(lease.renew()).rejects.toBeInstanceOf(LeaseLostError);
    await lease.release();
    expect((await readLease(store, TARGET))?.holder?.pid).toBe(42);
  });

  it("is lost when no renewal reached the store for a ttl on the holder's monotonic clock", async () => {
    const store = new MemoryStore();
    const held = runner("ci-1", 41);
    const lease = await takeLease(store, TARGET, held.options);
    store.failWrites = new Error("503 Service Unavailable");
    held.time.mono += TTL_MS - 1;
    await expect(lease.renew()).rejects.toThrow(/503/);
    expect(lease.lost).toBeUndefined();
    held.time.mono += 1;
    await expect(lease.renew()).rejects.toBeInstanceOf(LeaseLostError);
    await expect(lease.renew()).rejects.toThrow(/no renewal reached the store for 30 s/);
  });

  it("keeper: a lost renewal aborts the runner's signal at once with the reason", async () => {
    const store = new MemoryStore();
    const held = runner("ci-1", 41);
    const lease = await takeLease(store, TARGET, held.options);
    const wakeups: (() => void)[] = [];
    const sleep = (_ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        wakeups.push(resolve);
        signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
    const keeper = keepLease(lease, { renewMs: TTL_MS / 4, sleep, warn: () => {} });
    const lostReason = new Promise((resolve) =>
      keeper.lost.addEventListener("abort", () => resolve(keeper.lost.reason)),
    );
    store.storeNow += TTL_MS + 1;
    await takeLease(store, TARGET, runner("ci-2", 42).options);
    wakeups.shift()?.();
    expect(await lostReason).toBeInstanceOf(LeaseLostError);
    await keeper.stop();
  });

  it("is stored under a key derived from the target's identity alone", () => {
    expect(leaseKey(TARGET)).toBe(leaseKey({ ...TARGET, description: "another name for it" }));
    expect(leaseKey(TARGET)).not.toBe(leaseKey({ ...TARGET, key: `${TARGET.key}x` }));
  });
});

describe("a lease handed over at a CI job's deadline", () => {
  const WINDOW_MS = 900_000;
  const resumeOf = (rolloutId: string | undefined, base = runner("ci-2", 52)) => ({
    ...base.options,
    takesHandover: (h: { rolloutId: string }) => h.rolloutId === rolloutId,
  });

  /** Job 1 on ci-1 took the lease, then handed it over for rollout r-1 and exited (pid 41 gone). */
  async function handedOver() {
    const store = new MemoryStore();
    const lease = await takeLease(store, TARGET, runner("ci-1", 41).options);
    await lease.handOver("r-1", WINDOW_MS);
    await lease.release();
    return store;
  }

  it("is live for the handover window, not the ttl, and not released after", async () => {
    const store = await handedOver();
    store.storeNow += WINDOW_MS - 1;
    const seen = await readLease(store, TARGET);
    expect(seen).toMatchObject({ live: true, leftMs: 1, ttlMs: WINDOW_MS, handover: { rolloutId: "r-1" } });
    expect(seen?.holder?.pid).toBe(41);
  });

  it("is taken over at once by resume of its rollout, from any host", async () => {
    const store = await handedOver();
    const taken = await takeLease(store, TARGET, resumeOf("r-1"));
    expect(taken.tookOver).toMatch(/^the handover of rollout r-1 from pid 41 on ci-1/);
    const seen = await readLease(store, TARGET);
    expect(seen?.holder?.host).toBe("ci-2");
    expect(seen?.handover).toBeUndefined();
    expect(seen?.ttlMs).toBe(TTL_MS);
  });

  it("refuses a start and another rollout's resume while live, naming the rollout and what lapses when", async () => {
    const store = await handedOver();
    store.storeNow += 60_000;
    const start = takeLease(store, TARGET, runner("ci-3", 53).options);
    await expect(start).rejects.toBeInstanceOf(HandoverPendingError);
    await expect(start).rejects.toThrow(
      /rollout r-1 on HAProxy backend app was held and handed over .* by pid 41 on ci-1 .*only `resume` of that rollout may take it over for 840 s more \(rollout\.lease\.handoverSeconds\)/,
    );
    await expect(takeLease(store, TARGET, resumeOf("r-2"))).rejects.toBeInstanceOf(HandoverPendingError);
  });

  it("is not freed by its holder's process being gone on the same host (it exited on purpose)", async () => {
    const store = await handedOver();
    await expect(takeLease(store, TARGET, runner("ci-1", 43, new Set([43])).options)).rejects.toBeInstanceOf(
      HandoverPendingError,
    );
  });

  it("once its window lapsed (the next job never came) is a lapsed lease anyone takes over", async () => {
    const store = await handedOver();
    store.storeNow += WINDOW_MS + 1;
    const taken = await takeLease(store, TARGET, runner("ci-3", 53).options);
    expect(taken.tookOver).toMatch(/^the lapsed handover of rollout r-1 from pid 41 on ci-1/);
  });

  it("cannot be handed over by a holder whose lease was replaced", async () => {
    const store = new MemoryStore();
    const lease = await takeLease(store, TARGET, runner("ci-1", 41).options);
    store.storeNow += TTL_MS + 1;
    await takeLease(store, TARGET, runner("ci-2", 42).options);
    await expect(lease.handOver("r-1", WINDOW_MS)).rejects.toBeInstanceOf(LeaseLostError);
    expect((await readLease(store, TARGET))?.handover).toBeUndefined();
  });
});

/**
 * A store whose next conditional write lands but is answered 412, as when the AWS SDK retries a
 * PutObject whose first attempt landed and whose answer was lost (a timeout, a 5xx): the retry's
 * `If-Match` names the version the first attempt replaced.
 */
class RetriedWriteStore extends MemoryStore {
  landsThenRefuses = 0;
  override async write(
    key: string,
    text: string,
    condition: { ifAbsent: true } | { ifVersion: string },
  ): Promise<string> {
    const version = await super.write(key, text, condition);
    if (this.landsThenRefuses > 0) {
      this.landsThenRefuses--;
      throw new PreconditionFailedError(key, "the retry of a write that landed");
    }
    return version;
  }
}

describe("a lease write that landed though its answer was a 412 (a client's retry)", () => {
  it("a renewal is not taken for a lost lease: the holder keeps it and renews again", async () => {
    const store = new RetriedWriteStore();
    const { time, options } = runner("ci-1", 41);
    const lease = await takeLease(store, TARGET, options);
    store.landsThenRefuses = 1;
    time.mono += 5_000;
    await lease.renew();
    expect(lease.lost).toBeUndefined();
    time.mono += 5_000;
    await lease.renew();
    expect((await readLease(store, TARGET))?.holder?.pid).toBe(41);
  });

  it("a take is not refused as held by itself", async () => {
    const store = new RetriedWriteStore();
    store.landsThenRefuses = 1;
    // No start time: the holder is alive by pid alone (this machine's pid 41 is some other process).
    const { startTime: _, ...options } = runner("ci-1", 41).options;
    const lease = await takeLease(store, TARGET, options);
    await lease.renew();
    expect((await readLease(store, TARGET))?.holder?.pid).toBe(41);
  });

  it("a handover that landed is a handover; another runner's lease is still a lost one", async () => {
    const store = new RetriedWriteStore();
    const lease = await takeLease(store, TARGET, runner("ci-1", 41).options);
    store.landsThenRefuses = 1;
    await lease.handOver("r-1", 600_000);
    expect((await readLease(store, TARGET))?.handover).toEqual({ rolloutId: "r-1" });
    const replacedStore = new MemoryStore();
    const mine = await takeLease(replacedStore, TARGET, runner("ci-1", 41).options);
    replacedStore.storeNow += TTL_MS + 1;
    await takeLease(replacedStore, TARGET, runner("ci-2", 42).options);
    await expect(mine.renew()).rejects.toBeInstanceOf(LeaseLostError);
  });
});
