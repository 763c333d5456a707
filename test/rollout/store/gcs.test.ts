import { describe, expect, it } from "vitest";
import { GcsStore } from "../../../src/rollout/store/backends/gcs";
import { contractGcsStore, FakeGcs } from "./fake-gcs";
import { objectStoreContract } from "./object-store-contract";

/** For stores in tests that expect no transient answer: a retry would fail the test by its wait. */
const noWait = async (ms: number) => {
  throw new Error(`unexpected retry wait of ${ms} ms`);
};

// A page of 3 makes every listing of the contract follow `nextPageToken`.
objectStoreContract("GCS (fake JSON API server)", (clock) => contractGcsStore(clock, 3));

describe("the GCS store", () => {
  const withFake = async (token: string) => {
    const time = { now: 1_800_000_000_000, waits: [] as number[] };
    const fake = new FakeGcs({ buckets: ["rollouts"], clock: () => time.now, token: "right" });
    const endpoint = await fake.start();
    const sleep = async (ms: number) => {
      time.waits.push(ms);
      time.now += ms;
    };
    return {
      fake,
      endpoint,
      time,
      store: new GcsStore({
        bucket: "rollouts",
        prefix: "/team/",
        endpoint,
        token: async () => token,
        sleep,
      }),
    };
  };

  it("keeps its objects under the prefix and lists keys without it", async () => {
    const { fake, store } = await withFake("right");
    try {
      await store.write("state/prod", "x", { ifAbsent: true });
      expect([...(fake.objects.get("rollouts")?.keys() ?? [])]).toEqual(["team/state/prod"]);
      expect(await store.list("state/")).toEqual(["state/prod"]);
      expect(fake.requests[0]).toBe(
        "POST /upload/storage/v1/b/rollouts/o?uploadType=media&name=team%2Fstate%2Fprod&ifGenerationMatch=0",
      );
      expect(store.description).toBe("gs://rollouts/team/");
    } finally {
      await fake.stop();
    }
  });

  it("access denied names the permission and the config key", async () => {
    const { fake, store } = await withFake("wrong");
    try {
      await expect(store.write("lease", "x", { ifAbsent: true })).rejects.toThrow(
        /write "lease" in gs:\/\/rollouts\/team\/: access denied .*need storage\.objects\.create.* rollout\.store\.bucket/,
      );
      await expect(store.list("")).rejects.toThrow(/storage\.objects\.list/);
    } finally {
      await fake.stop();
    }
  });

  it("a bucket that does not exist is named with the config key to correct", async () => {
    const fake = new FakeGcs({ buckets: [], clock: Date.now });
    const endpoint = await fake.start();
    try {
      const store = new GcsStore({ bucket: "missing", endpoint, sleep: noWait });
      await expect(store.list("")).rejects.toThrow(/the bucket does not exist.*rollout\.store\.bucket/);
      await expect(store.list("")).rejects.toThrow(/pulumi up/);
    } finally {
      await fake.stop();
    }
  });

  it("a read in a bucket that does not exist fails naming the bucket, never reads as no rollout", async () => {
    const fake = new FakeGcs({ buckets: [], clock: Date.now });
    const endpoint = await fake.start();
    try {
      const store = new GcsStore({ bucket: "missing", prefix: "team/", endpoint, sleep: noWait });
      await expect(store.read("stages/prod/state")).rejects.toThrow(
        /read "stages\/prod\/state" in gs:\/\/missing\/team\/: the bucket does not exist.*rollout\.store\.bucket/,
      );
    } finally {
      await fake.stop();
    }
  });

  it("a missing object in a bucket that exists still reads as absent", async () => {
    const fake = new FakeGcs({ buckets: ["rollouts"], clock: Date.now });
    const endpoint = await fake.start();
    try {
      expect(
        await new GcsStore({ bucket: "rollouts", endpoint, sleep: noWait }).read("stages/prod/state"),
      ).toBeUndefined();
    } finally {
      await fake.stop();
    }
  });

  it("an object written twice within a second: GCS refuses the second 429, the store waits and writes it", async () => {
    const { fake, store, time } = await withFake("right");
    try {
      const first = await store.write("stages/prod/state.json", "a", { ifAbsent: true });
      // The runner writes its state twice in a row at a step (the check, then the new weight).
      const second = await store.write("stages/prod/state.json", "b", { ifVersion: first });
      expect((await store.read("stages/prod/state.json"))?.text).toBe("b");
      expect(second).not.toBe(first);
      expect(time.waits).toEqual([1_000]);
      expect(fake.requests.filter((r) => r.startsWith("POST"))).toHaveLength(3);
    } finally {
      await fake.stop();
    }
  });

  it("another object is not held back by one written just now", async () => {
    const { fake, store, time } = await withFake("right");
    try {
      await store.write("stages/prod/state.json", "a", { ifAbsent: true });
      await store.write("stages/prod/journals/r1.jsonl", "x", { ifAbsent: true });
      expect(time.waits).toEqual([]);
    } finally {
      await fake.stop();
    }
  });

  it("a refusal that outlasts every retry fails naming GCS's reason", async () => {
    const { fake, store, time } = await withFake("right");
    try {
      const first = await store.write("k", "a", { ifAbsent: true });
      fake.options.mutationIntervalMs = 60_000;
      await expect(store.write("k", "b", { ifVersion: first })).rejects.toThrow(
        /status 429.*exceeded the rate limit for object mutation operations/,
      );
      expect(time.waits).toEqual([1_000, 2_000, 4_000, 8_000]);
    } finally {
      await fake.stop();
    }
  });

  it("a read retries a 503; a write does not (it may have landed, and its retry would read as a lost race)", async () => {
    const { fake, endpoint, time } = await withFake("right");
    let unavailable = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (unavailable > 0) {
        unavailable--;
        return new Response('{"error":{"code":503,"message":"Backend Error"}}', { status: 503 });
      }
      return fetch(input, init);
    };
    const sleep = async (ms: number) => {
      time.waits.push(ms);
    };
    const store = new GcsStore({
      bucket: "rollouts",
      endpoint,
      token: async () => "right",
      fetch: flaky,
      sleep,
    });
    try {
      await store.write("k", "a", { ifAbsent: true });
      unavailable = 2;
      expect((await store.read("k"))?.text).toBe("a");
      expect(time.waits).toEqual([1_000, 2_000]);
      unavailable = 1;
      time.now += 5_000;
      await expect(store.write("k", "b", { ifVersion: "1" })).rejects.toThrow(/status 503/);
      expect(time.waits).toEqual([1_000, 2_000]);
    } finally {
      await fake.stop();
    }
  });

  it("a read that races a write returns the newer object whole, with its own generation", async () => {
    // Two writes of one object at one instant: the race, not the per-object limit, is the subject.
    const fake = new FakeGcs({ buckets: ["b"], clock: () => 1_800_000_000_000, mutationIntervalMs: 0 });
    const endpoint = await fake.start();
    try {
      let writes = 0;
      // Between the metadata and the media request of the first read, another writer replaces it.
      const racing: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        if (String(input).includes("/o/lease") && !String(input).includes("alt=media") && writes++ === 0)
          await writer.write("lease", "newer", { ifVersion: first });
        return response;
      };
      const writer = new GcsStore({ bucket: "b", endpoint, sleep: noWait });
      const first = await writer.write("lease", "older", { ifAbsent: true });
      const read = await new GcsStore({ bucket: "b", endpoint, fetch: racing, sleep: noWait }).read("lease");
      expect(read?.text).toBe("newer");
      expect(read?.version).not.toBe(first);
      expect(read?.version).toBe((await writer.read("lease"))?.version);
    } finally {
      await fake.stop();
    }
  });
});

describe("a GCS endpoint that accepts the connection and never answers", () => {
  it("fails the store's request after its timeout instead of holding the runner's loop", async () => {
    const { createServer } = await import("node:http");
    const held: import("node:http").ServerResponse[] = [];
    const server = createServer((_request, response) => {
      held.push(response);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as import("node:net").AddressInfo;
    try {
      const store = new GcsStore({
        bucket: "rollouts",
        endpoint: `http://127.0.0.1:${port}`,
        requestTimeoutMs: 50,
        sleep: noWait,
      });
      await expect(store.read("stages/prod/request.json")).rejects.toThrow(/timed out|aborted/i);
      expect(held.length).toBeGreaterThan(0);
    } finally {
      for (const response of held) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
