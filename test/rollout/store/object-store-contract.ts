import { afterEach, describe, expect, it } from "vitest";
import { type ObjectStore, PreconditionFailedError } from "../../../src/rollout/store/object-store";

/**
 * The behaviour every ObjectStore gives, registered once per implementation (local directory, GCS,
 * S3): the lease, state and requests built on the store rely on exactly this and nothing more.
 */

export interface StoreUnderTest {
  store: ObjectStore;
  /** Stops what the store runs against (a fake server); removes its files. */
  close?: () => Promise<void>;
}

/** A fresh, empty store whose clock (its `updatedAtMs`, `readAtMs`) is `clock`. */
export type StoreFactory = (clock: () => number) => Promise<StoreUnderTest>;

/** A whole second: S3's Last-Modified and HTTP's Date carry seconds, so whole seconds compare exactly. */
const T0 = 1_800_000_000_000;

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => "written",
    (error: unknown) => error,
  );
}

export function objectStoreContract(name: string, factory: StoreFactory): void {
  describe(`${name}: the object store contract`, () => {
    const open: StoreUnderTest[] = [];
    let now = T0;
    const fresh = async (): Promise<ObjectStore> => {
      now = T0;
      const made = await factory(() => now);
      open.push(made);
      return made.store;
    };
    afterEach(async () => {
      for (const made of open.splice(0)) await made.close?.();
    });

    it("a missing key reads as undefined and lists nothing; removing it is not an error", async () => {
      const store = await fresh();
      expect(await store.read("state/missing")).toBeUndefined();
      expect(await store.list("")).toEqual([]);
      await store.remove("state/missing");
      await store.remove("state/missing", { ifVersion: "1" });
    });

    it("creates a key only if absent, stamped with the store's clock", async () => {
      const store = await fresh();
      const version = await store.write("state/prod", "first", { ifAbsent: true });
      now = T0 + 5_000;
      expect(await store.read("state/prod")).toEqual({
        text: "first",
        version,
        updatedAtMs: T0,
        readAtMs: T0 + 5_000,
      });
      const second = await refusal(store.write("state/prod", "second", { ifAbsent: true }));
      expect(second).toBeInstanceOf(PreconditionFailedError);
      expect((second as PreconditionFailedError).key).toBe("state/prod");
      expect((await store.read("state/prod"))?.text).toBe("first");
    });

    it("replaces a key only at the version read; every write, even of the same text, makes a new version", async () => {
      const store = await fresh();
      const v1 = await store.write("lease", "holder a", { ifAbsent: true });
      const v2 = await store.write("lease", "holder a", { ifVersion: v1 });
      expect(v2).not.toBe(v1);
      expect(await refusal(store.write("lease", "holder b", { ifVersion: v1 }))).toBeInstanceOf(
        PreconditionFailedError,
      );
      const v3 = await store.write("lease", "holder b", { ifVersion: v2 });
      expect(await store.read("lease")).toMatchObject({ text: "holder b", version: v3 });
      expect(new Set([v1, v2, v3]).size).toBe(3);
    });

    it("refuses a replace of a key that is absent", async () => {
      const store = await fresh();
      const v1 = await store.write("lease", "a", { ifAbsent: true });
      await store.remove("lease");
      expect(await refusal(store.write("lease", "b", { ifVersion: v1 }))).toBeInstanceOf(
        PreconditionFailedError,
      );
      expect(await store.read("lease")).toBeUndefined();
    });

    it("removes at the version read only, and unconditionally without one", async () => {
      const store = await fresh();
      const v1 = await store.write("requests/1", "abort", { ifAbsent: true });
      const v2 = await store.write("requests/1", "abort", { ifVersion: v1 });
      expect(await refusal(store.remove("requests/1", { ifVersion: v1 }))).toBeInstanceOf(
        PreconditionFailedError,
      );
      expect((await store.read("requests/1"))?.version).toBe(v2);
      await store.remove("requests/1", { ifVersion: v2 });
      expect(await store.read("requests/1")).toBeUndefined();
      await store.write("requests/2", "promote", { ifAbsent: true });
      await store.remove("requests/2");
      expect(await store.read("requests/2")).toBeUndefined();
    });

    it("a key written anew after a remove has a version the old one does not match", async () => {
      const store = await fresh();
      const old = await store.write("lease", "same", { ifAbsent: true });
      await store.remove("lease");
      const renewed = await store.write("lease", "same", { ifAbsent: true });
      expect(renewed).not.toBe(old);
      expect(await refusal(store.write("lease", "late", { ifVersion: old }))).toBeInstanceOf(
        PreconditionFailedError,
      );
    });

    it("lists the keys that start with a prefix, in UTF-8 byte order", async () => {
      const store = await fresh();
      // Written out of order; the expected order is by UTF-8 bytes: "Z" < "a" < "b" < "é" (0xC3).
      for (const key of [
        "runs/b",
        "runs/é",
        "runs/a/2",
        "other/x",
        "runs/a/10",
        "runsx",
        "runs/Z",
        "runs/a/1",
      ])
        await store.write(key, key, { ifAbsent: true });
      expect(await store.list("runs/")).toEqual([
        "runs/Z",
        "runs/a/1",
        "runs/a/10",
        "runs/a/2",
        "runs/b",
        "runs/é",
      ]);
      expect(await store.list("runs/a/1")).toEqual(["runs/a/1", "runs/a/10"]);
      expect(await store.list("runs")).toEqual([
        "runs/Z",
        "runs/a/1",
        "runs/a/10",
        "runs/a/2",
        "runs/b",
        "runs/é",
        "runsx",
      ]);
      expect((await store.list("")).length).toBe(8);
      expect(await store.list("none/")).toEqual([]);
    });

    it("keeps a large text and unicode text and keys exactly", async () => {
      const store = await fresh();
      const line = 'journal line — ünïcödé 日本語 🚀 "quoted" \\ back\r\n';
      const large = Array.from({ length: 20_000 }, (_, i) => `${i} ${line}`).join("");
      expect(Buffer.byteLength(large)).toBeGreaterThan(1_000_000);
      await store.write("journal/ünï 日本/🚀", large, { ifAbsent: true });
      expect((await store.read("journal/ünï 日本/🚀"))?.text).toBe(large);
      expect(await store.list("journal/")).toEqual(["journal/ünï 日本/🚀"]);
      await store.write("empty", "", { ifAbsent: true });
      expect((await store.read("empty"))?.text).toBe("");
    });

    it("refuses keys no backend can hold alike", async () => {
      const store = await fresh();
      for (const key of ["", "/abs", "a//b", "a/", ".hidden", "a/../b", "line\nbreak"])
        await expect(store.write(key, "x", { ifAbsent: true }), JSON.stringify(key)).rejects.toThrow(
          /cannot be used/,
        );
    });

    it("of concurrent replaces from the same read version exactly one wins", async () => {
      const store = await fresh();
      const read = await store.write("lease", "start", { ifAbsent: true });
      const writers = Array.from({ length: 20 }, (_, i) =>
        refusal(store.write("lease", `writer ${i}`, { ifVersion: read })),
      );
      const outcomes = await Promise.all(writers);
      const winners = outcomes.flatMap((outcome, i) => (outcome === "written" ? [i] : []));
      expect(winners.length, JSON.stringify(outcomes.map(String))).toBe(1);
      expect(outcomes.filter((o) => o instanceof PreconditionFailedError).length).toBe(19);
      expect((await store.read("lease"))?.text).toBe(`writer ${winners[0]}`);
    });

    it("of concurrent creates of an absent key exactly one wins", async () => {
      const store = await fresh();
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          refusal(store.write("lease", `writer ${i}`, { ifAbsent: true })),
        ),
      );
      const winners = outcomes.flatMap((outcome, i) => (outcome === "written" ? [i] : []));
      expect(winners.length, JSON.stringify(outcomes.map(String))).toBe(1);
      expect(outcomes.filter((o) => o instanceof PreconditionFailedError).length).toBe(19);
      expect((await store.read("lease"))?.text).toBe(`writer ${winners[0]}`);
    });
  });
}
