import { describe, expect, it } from "vitest";
import { ConfigError, parseStageConfig, readStageFile } from "../../src/config";

/** The committed prod (GCP) stage, as a valid base that each case changes in one place. */
const prod = readStageFile("prod").raw;
const prodRollout = prod.rollout as Record<string, unknown>;

function parsedWith(rollout: Record<string, unknown>) {
  return parseStageConfig("prod", { ...prod, rollout: { ...prodRollout, ...rollout } });
}

function messageOf(rollout: Record<string, unknown>): string {
  try {
    parsedWith(rollout);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`accepted ${JSON.stringify(rollout)}`);
}

describe("rollout.store and rollout.lease", () => {
  it("default to the local directory store and a 60 s lease renewed every 15 s, handed over for 900 s", () => {
    const cfg = parsedWith({});
    expect(cfg.rollout.store).toEqual({ kind: "directory" });
    expect(cfg.rollout.lease).toEqual({ ttlSeconds: 60, renewSeconds: 15, handoverSeconds: 900 });
  });

  it("refuse a handover window that is no window or leaves a canary unjudged past an hour, naming the key", () => {
    expect(messageOf({ lease: { handoverSeconds: 0 } })).toMatch(
      /rollout\.lease\.handoverSeconds: must be at least 30 s/,
    );
    expect(messageOf({ lease: { handoverSeconds: 7200 } })).toMatch(
      /rollout\.lease\.handoverSeconds: must be at most 3600 s/,
    );
    expect(messageOf({ lease: { handoverSeconds: "15m" } })).toMatch(/rollout\.lease\.handoverSeconds/);
    expect(parsedWith({ lease: { handoverSeconds: 60 } }).rollout.lease.handoverSeconds).toBe(60);
  });

  it("take a GCS bucket on a GCP stage, with a default prefix", () => {
    const cfg = parsedWith({ store: { kind: "gcs", bucket: "ion-rollouts" } });
    expect(cfg.rollout.store).toEqual({ kind: "gcs", bucket: "ion-rollouts", prefix: "ion-rollout/" });
  });

  it("refuse a bucket of the other cloud, naming the key and what fits", () => {
    expect(messageOf({ store: { kind: "s3", bucket: "ion-rollouts" } })).toMatch(
      /rollout\.store\.kind[\s\S]*s3 does not belong to platform gcp; use gcs/,
    );
  });

  it("refuse a prefix that would escape the bucket's folder", () => {
    expect(messageOf({ store: { kind: "gcs", bucket: "ion-rollouts", prefix: "../x/" } })).toMatch(
      /rollout\.store\.prefix/,
    );
  });

  it("take a directory shared by every runner and operator (`path`), refusing one that is not a plain path", () => {
    const cfg = parsedWith({ store: { kind: "directory", path: "/mnt/rollouts/prod" } });
    expect(cfg.rollout.store).toEqual({ kind: "directory", path: "/mnt/rollouts/prod" });
    expect(messageOf({ store: { kind: "directory", path: "/mnt/roll outs;rm" } })).toMatch(
      /rollout\.store\.path/,
    );
  });

  it("refuse a renewal interval that one miss would turn into a lost lease", () => {
    expect(messageOf({ lease: { ttlSeconds: 20, renewSeconds: 11 } })).toMatch(
      /rollout\.lease\.renewSeconds[\s\S]*at most half of ttlSeconds \(20\)/,
    );
    expect(parsedWith({ lease: { ttlSeconds: 20, renewSeconds: 10 } }).rollout.lease.renewSeconds).toBe(10);
  });
});
