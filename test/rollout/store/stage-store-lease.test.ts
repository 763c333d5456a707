import { describe, expect, it } from "vitest";
import type { StageConfig } from "../../../src/config";
import { readTrafficLease, takeTrafficLease } from "../../../src/rollout/controller/traffic-lease";
import { LeaseHeldError } from "../../../src/rollout/store/lease";
import { prod, staging } from "../fixtures";
import { FakeGcs } from "./fake-gcs";
import { FakeS3 } from "./fake-s3";

/** A cloud stage (prod: GCP, staging: AWS) whose rollout store is the given bucket. */
function withStore(cfg: StageConfig, store: StageConfig["rollout"]["store"]): StageConfig {
  return { ...cfg, rollout: { ...cfg.rollout, store } };
}

const scopeFor = (cfg: StageConfig, env: Record<string, string | undefined>) => ({
  cfg,
  projectDir: "/nonexistent/project",
  stateDir: "/nonexistent/state",
  storeDeps: { googleToken: () => async () => "test-token", env },
});

describe("a cloud stage's lease lives in its bucket", () => {
  it("GCP: taken in the GCS bucket under the prefix; a second taker is refused naming the holder", async () => {
    // The store comes from config with real waits; this test is about where the lease lives, so the
    // per-object mutation limit (tested in gcs.test.ts) is off rather than waited out for real.
    const fake = new FakeGcs({
      buckets: ["acme-rollouts"],
      clock: Date.now,
      token: "test-token",
      mutationIntervalMs: 0,
    });
    const endpoint = await fake.start();
    try {
      const cfg = withStore(prod(), { kind: "gcs", bucket: "acme-rollouts", prefix: "ion-rollout/" });
      const scope = scopeFor(cfg, { STORAGE_EMULATOR_HOST: endpoint });
      const lease = await takeTrafficLease(scope, {
        command: "ion-rollout start prod",
        pid: 4242,
        isAlive: () => true,
      });
      const keys = [...(fake.objects.get("acme-rollouts")?.keys() ?? [])];
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(/^ion-rollout\//);
      expect((await readTrafficLease(scope))?.holder?.pid).toBe(4242);
      await expect(
        takeTrafficLease(scope, { command: "ion-rollout start prod", pid: 4343, isAlive: () => true }),
      ).rejects.toBeInstanceOf(LeaseHeldError);
      await lease.release();
    } finally {
      await fake.stop();
    }
  });

  it("AWS: taken in the S3 bucket, in the stage's region when the store names none", async () => {
    const fake = new FakeS3({ buckets: ["acme-rollouts"], clock: Date.now });
    const endpoint = await fake.start();
    // The S3 client reads its endpoint and credentials from the process environment.
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
    });
    try {
      const cfg = withStore(staging(), { kind: "s3", bucket: "acme-rollouts", prefix: "ion-rollout/" });
      const scope = scopeFor(cfg, {});
      const lease = await takeTrafficLease(scope, { command: "ion-rollout start staging", pid: 4242 });
      expect(fake.requests[0]).toMatch(/^GET \/acme-rollouts\/ion-rollout\//);
      expect(fake.requests.some((r) => r.startsWith("PUT /acme-rollouts/ion-rollout/"))).toBe(true);
      expect((await readTrafficLease(scope))?.holder?.pid).toBe(4242);
      await lease.release();
    } finally {
      process.env = saved;
      await fake.stop();
    }
  });
});
