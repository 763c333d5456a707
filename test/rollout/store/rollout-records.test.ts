import { rmSync } from "node:fs";
import { S3Client } from "@aws-sdk/client-s3";
import { LocalDirectoryStore } from "../../../src/rollout/store/backends/local-directory";
import { S3Store } from "../../../src/rollout/store/backends/s3";
import { tempDir } from "../fakes";
import { contractGcsStore } from "./fake-gcs";
import { FakeS3 } from "./fake-s3";
import { rolloutRecordsContract } from "./rollout-records-contract";

/** The rollout records' contract on every store a stage can name (`rollout.store`). */

rolloutRecordsContract("local directory", async (clock) => {
  const dir = tempDir();
  return {
    store: new LocalDirectoryStore(dir, { now: clock }),
    close: async () => rmSync(dir, { recursive: true }),
  };
});

rolloutRecordsContract("GCS (fake JSON API server)", (clock) => contractGcsStore(clock));

rolloutRecordsContract("S3 (real S3Client, fake S3 server)", async (clock) => {
  const fake = new FakeS3({ buckets: ["rollouts"], clock });
  const endpoint = await fake.start();
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
  return { store: new S3Store({ client, bucket: "rollouts", prefix: "team" }), close: () => fake.stop() };
});
