import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LocalDirectoryStore } from "../../../src/rollout/store/backends/local-directory";
import { storeIo } from "../../../src/rollout/store/io";
import { processStartTime } from "../../../src/rollout/store/lock";
import { tempDir } from "../fakes";
import { objectStoreContract } from "./object-store-contract";

objectStoreContract("local directory", async (clock) => {
  const dir = tempDir();
  return {
    store: new LocalDirectoryStore(dir, { now: clock }),
    close: async () => rmSync(dir, { recursive: true }),
  };
});

/** A store whose waits advance its own clock: a wait limit passes without wall time. */
function storeWithClock(dir: string, mutex: { isAlive?: (pid: number) => boolean } = {}) {
  let now = 1_800_000_000_000;
  const waits: number[] = [];
  const store = new LocalDirectoryStore(dir, {
    now: () => now,
    mutex: {
      wait: async (ms) => {
        waits.push(ms);
        now += 100;
      },
      waitLimitMs: 2_000,
      staleAfterMs: 60_000,
      ...mutex,
    },
  });
  return { store, waits, advance: (ms: number) => (now += ms), now: () => now };
}

function leaveMutex(dir: string, holder: object, name = ".lease.mutex"): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(holder));
  return path;
}

describe("the local directory's per-key mutex", () => {
  const GONE_PID = 4_000_001;
  const isAlive = (pid: number) => pid !== GONE_PID;
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("takes over a mutex whose holder on this host is gone, and leaves no mutex or marker behind", async () => {
    dir = tempDir();
    const { store, waits } = storeWithClock(dir, { isAlive });
    const v1 = await store.write("lease", "a", { ifAbsent: true });
    leaveMutex(dir, { id: "dead-holder", pid: GONE_PID, host: hostname(), atMs: 0 });
    await store.write("lease", "b", { ifVersion: v1 });
    expect((await store.read("lease"))?.text).toBe("b");
    expect(waits).toEqual([]);
    expect(readdirSync(dir)).toEqual(["lease"]);
  });

  it("takes over when the claimant of a takeover died half-way too (its marker is a mutex of its own)", async () => {
    dir = tempDir();
    const { store } = storeWithClock(dir, { isAlive });
    const v1 = await store.write("lease", "a", { ifAbsent: true });
    const mutex = leaveMutex(dir, { id: "dead-holder", pid: GONE_PID, host: hostname(), atMs: 0 });
    // The marker's name is the mutex path + ".takeover-" + the first 16 hex of sha256(holder id).
    const { createHash } = await import("node:crypto");
    const marker = `${mutex}.takeover-${createHash("sha256").update("dead-holder").digest("hex").slice(0, 16)}`;
    writeFileSync(marker, JSON.stringify({ id: "dead-claimant", pid: GONE_PID, host: hostname(), atMs: 0 }));
    await store.write("lease", "b", { ifVersion: v1 });
    expect(readdirSync(dir)).toEqual(["lease"]);
  });

  it("waits for a live holder on this host and, past the wait limit, names it and writes nothing", async () => {
    dir = tempDir();
    const { store, waits } = storeWithClock(dir);
    const v1 = await store.write("lease", "a", { ifAbsent: true });
    const startTime = processStartTime(process.pid);
    leaveMutex(dir, { id: "live", pid: process.pid, startTime, host: hostname(), atMs: 0 });
    await expect(store.write("lease", "b", { ifVersion: v1 })).rejects.toThrow(
      new RegExp(`held by pid ${process.pid} on ${hostname()} for over 2000 ms`),
    );
    // 100 ms of store clock per wait: the limit of 2,000 ms is passed after the 21st wait.
    expect(waits.length).toBe(21);
    expect((await store.read("lease"))?.text).toBe("a");
  });

  it("a write waiting for a live holder stops when its signal is aborted, and writes nothing", async () => {
    dir = tempDir();
    const controller = new AbortController();
    const store = new LocalDirectoryStore(dir, {
      mutex: {
        // The first wait aborts the write: the signal is what ends it, not the wait limit.
        wait: async () => controller.abort(new Error("runner stopping")),
        waitLimitMs: 60_000,
      },
    });
    const v1 = await store.write("lease", "a", { ifAbsent: true });
    leaveMutex(dir, {
      id: "live",
      pid: process.pid,
      startTime: processStartTime(process.pid),
      host: hostname(),
      atMs: 0,
    });
    await expect(store.write("lease", "b", { ifVersion: v1 }, controller.signal)).rejects.toThrow(
      "runner stopping",
    );
    expect((await store.read("lease"))?.text).toBe("a");
  });

  it("a holder on another host is waited for until it is older than the bound, then taken over", async () => {
    dir = tempDir();
    const { store, advance, now } = storeWithClock(dir);
    const v1 = await store.write("lease", "a", { ifAbsent: true });
    leaveMutex(dir, { id: "remote", pid: 1, host: "another-host", atMs: now() });
    await expect(store.write("lease", "b", { ifVersion: v1 })).rejects.toThrow(
      /held by pid 1 on another-host/,
    );
    advance(60_000);
    await store.write("lease", "b", { ifVersion: v1 });
    expect((await store.read("lease"))?.text).toBe("b");
  });

  it("a write that fails on a full disk leaves the old object, no temp file, and the mutex free", async () => {
    dir = tempDir();
    const { store } = storeWithClock(dir);
    const v1 = await store.write("lease", "a", { ifAbsent: true });
    const fsync = storeIo.fsync;
    storeIo.fsync = (fd, what) => {
      if (what === "file")
        throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
      fsync(fd, what);
    };
    try {
      await expect(store.write("lease", "b", { ifVersion: v1 })).rejects.toThrow(/ENOSPC/);
    } finally {
      storeIo.fsync = fsync;
    }
    expect(await store.read("lease")).toMatchObject({ text: "a", version: v1 });
    expect(readdirSync(dir)).toEqual(["lease"]);
    await store.write("lease", "b", { ifVersion: v1 });
  });

  it("a key cannot be the folder of another key here: the error says so", async () => {
    dir = tempDir();
    const { store } = storeWithClock(dir);
    await store.write("a", "x", { ifAbsent: true });
    await expect(store.write("a/b", "y", { ifAbsent: true })).rejects.toThrow(
      /cannot hold both `a` and `a\/b`/,
    );
  });

  it("a file it did not write is named, with what to do", async () => {
    dir = tempDir();
    const { store } = storeWithClock(dir);
    mkdirSync(join(dir, "state"));
    writeFileSync(join(dir, "state", "prod"), "{not a header");
    await expect(store.read("state/prod")).rejects.toThrow(/state\/prod is not an object this store wrote/);
    expect(existsSync(join(dir, "state", "prod"))).toBe(true);
  });
});
