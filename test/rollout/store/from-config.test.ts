import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { objectStoreFromConfig, type StoreDeps } from "../../../src/rollout/store/backends/from-config";

describe("the store a stage's rollout.store config names", () => {
  const scopes: string[][] = [];
  const deps: StoreDeps = {
    googleToken: (wanted) => {
      scopes.push(wanted);
      return async () => "token";
    },
    sleep: async () => {},
    projectDir: "/srv/project",
    env: {},
  };

  it("a directory, relative paths from the project directory", () => {
    expect(objectStoreFromConfig({ kind: "directory", path: ".ion-rollout/store" }, deps).description).toBe(
      join("/srv/project", ".ion-rollout/store"),
    );
    expect(objectStoreFromConfig({ kind: "directory", path: "/var/store" }, deps).description).toBe(
      "/var/store",
    );
    expect(() => objectStoreFromConfig({ kind: "directory", path: " " }, deps)).toThrow(
      /rollout\.store\.path is empty/,
    );
  });

  it("a GCS bucket, with a token for read-write storage access", () => {
    const store = objectStoreFromConfig({ kind: "gcs", bucket: "acme-rollouts", prefix: "/prod/" }, deps);
    expect(store.description).toBe("gs://acme-rollouts/prod/");
    expect(scopes).toEqual([["https://www.googleapis.com/auth/devstorage.read_write"]]);
  });

  it("an S3 bucket in the configured region, else AWS_REGION, else a refusal naming the key", () => {
    expect(
      objectStoreFromConfig({ kind: "s3", bucket: "acme-rollouts", region: "eu-west-1" }, deps).description,
    ).toBe("s3://acme-rollouts/");
    expect(
      objectStoreFromConfig(
        { kind: "s3", bucket: "acme-rollouts", prefix: "staging" },
        { ...deps, env: { AWS_REGION: "us-east-2" } },
      ).description,
    ).toBe("s3://acme-rollouts/staging/");
    expect(() => objectStoreFromConfig({ kind: "s3", bucket: "acme-rollouts" }, deps)).toThrow(
      /rollout\.store\.region is not set and neither is AWS_REGION/,
    );
  });

  it("a bucket given as a URL or with a path, or a prefix no key can have, is refused naming its key", () => {
    expect(() => objectStoreFromConfig({ kind: "gcs", bucket: "gs://acme/rollouts" }, deps)).toThrow(
      /rollout\.store\.bucket "gs:\/\/acme\/rollouts" is not a GCS bucket name.*without gs:\/\/ or a path/,
    );
    expect(() =>
      objectStoreFromConfig({ kind: "s3", bucket: "Acme_Rollouts", region: "eu-west-1" }, deps),
    ).toThrow(/is not an S3 bucket name/);
    expect(() =>
      objectStoreFromConfig({ kind: "gcs", bucket: "acme", prefix: "team/.hidden" }, deps),
    ).toThrow(/rollout\.store\.prefix: .*starts with "\."/);
  });
});
