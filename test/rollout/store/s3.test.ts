import { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { S3Store } from "../../../src/rollout/store/backends/s3";
import { PreconditionFailedError } from "../../../src/rollout/store/object-store";
import { FakeS3 } from "./fake-s3";
import { objectStoreContract } from "./object-store-contract";

/** The real S3 client, path-style, against the fake server, with dummy static credentials. */
function clientFor(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
}

objectStoreContract("S3 (real S3Client, fake S3 server)", async (clock) => {
  // A page of 3 makes every listing of the contract follow continuation tokens.
  const fake = new FakeS3({ buckets: ["rollouts"], clock, pageSize: 3 });
  const endpoint = await fake.start();
  const store = new S3Store({ client: clientFor(endpoint), bucket: "rollouts", prefix: "team" });
  return { store, close: () => fake.stop() };
});

describe("the S3 store", () => {
  const started = async (buckets = ["rollouts"]) => {
    const fake = new FakeS3({ buckets, clock: () => 1_800_000_000_000 });
    const endpoint = await fake.start();
    return { fake, store: new S3Store({ client: clientFor(endpoint), bucket: "rollouts", prefix: "team/" }) };
  };

  it("sends If-None-Match: * to create and If-Match with the ETag read to replace or remove", async () => {
    const { fake, store } = await started();
    try {
      const v1 = await store.write("lease", "a", { ifAbsent: true });
      await store.write("lease", "b", { ifVersion: v1 });
      const v2 = (await store.read("lease"))?.version;
      await store.remove("lease", { ifVersion: v2 ?? "" });
      expect(fake.requests).toEqual([
        "PUT /rollouts/team/lease If-None-Match: *",
        `PUT /rollouts/team/lease If-Match: ${v1}`,
        "GET /rollouts/team/lease",
        `DELETE /rollouts/team/lease If-Match: ${v2}`,
      ]);
    } finally {
      await fake.stop();
    }
  });

  it("409 ConditionalRequestConflict (a concurrent conditional write in flight) is a lost race", async () => {
    const { fake, store } = await started();
    try {
      const v1 = await store.write("lease", "a", { ifAbsent: true });
      fake.conflictNext = 2;
      await expect(store.write("lease", "b", { ifVersion: v1 })).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      await expect(store.write("other", "b", { ifAbsent: true })).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      expect((await store.read("lease"))?.text).toBe("a");
    } finally {
      await fake.stop();
    }
  });

  it("an object it did not write (no write-id line) is named, with what to do", async () => {
    const { fake, store } = await started();
    try {
      fake.objects.get("rollouts")?.set("team/state", { body: "hand-written", etag: '"x"', lastModified: 0 });
      await expect(store.read("state")).rejects.toThrow(
        /s3:\/\/rollouts\/team\/state is not an object this store wrote/,
      );
    } finally {
      await fake.stop();
    }
  });

  it("a bucket that does not exist is named with the config key to correct", async () => {
    const { fake, store } = await started([]);
    try {
      await expect(store.write("lease", "a", { ifAbsent: true })).rejects.toThrow(
        /write "lease" in s3:\/\/rollouts\/team\/: the bucket does not exist.*rollout\.store\.bucket/,
      );
      // A read too: a bucket not created yet never reads as "no rollout".
      await expect(store.read("lease")).rejects.toThrow(/the bucket does not exist.*pulumi up/);
    } finally {
      await fake.stop();
    }
  });
});
