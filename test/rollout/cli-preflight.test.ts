import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { spawnBin } from "../support/spawn-bin";
import { tempDir } from "./fakes";
import { localStoreStageFile } from "./fixtures";

describe("ion-rollout start with no pulumi CLI (a Pulumi-driven stage)", () => {
  it("exits 1 with one line naming what is missing, and leaves no state, lock or journal", async () => {
    const dir = tempDir();
    const image = "us-central1-docker.pkg.dev/internal-ai-innovation/ion/ion-api:1.5.1";
    const config = localStoreStageFile("prod");
    const args = ["start", "prod", "--config", config, "--image", image, "--state-dir", dir];
    // An empty PATH: node itself is started by its absolute path.
    const run = await spawnBin("bin/ion-rollout.cjs", args, { ...process.env, PATH: tempDir() });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^start refused, nothing applied: the pulumi CLI is not on PATH/),
    ]);
    expect(run.stdout).toBe("");
    expect(readdirSync(dir)).toEqual([]);
  });
});
