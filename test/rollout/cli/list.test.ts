import { describe, expect, it } from "vitest";
import { listCommand } from "../../../src/rollout/commands/list";
import { runRollout } from "../../../src/rollout/controller/runner";
import { bufferedStreams, fakeRun, healthy, tempDir } from "../fakes";
import { consecutiveProdWith, localStoreStageFile } from "../fixtures";

const CONFIG = localStoreStageFile("prod");

describe("list", () => {
  it("lists a reverted rollout (archived journal) and the held one after it, oldest first", async () => {
    const dir = tempDir();
    const cfg = consecutiveProdWith({
      rollout: { bakeSeconds: 120, checkIntervalSeconds: 60, maxStepSeconds: 300, minRequestsPerStep: 200 },
    });
    const bad = fakeRun(cfg, { stateDir: dir }, () => healthy(5000, { errors: 500 }));
    expect((await runRollout(bad.options)).outcome).toBe("reverted");
    const releases = {
      stable: cfg.releases.stable,
      canary: { image: "x/ion-api:9.9.9", name: "ion-api-v9-9-9" },
    };
    // Too little traffic for the step's evidence: held when the step times out.
    const slow = fakeRun(cfg, { stateDir: dir, releases }, () => healthy(10));
    expect((await runRollout(slow.options)).outcome).toBe("held");

    const b = bufferedStreams();
    expect(await listCommand("prod", { config: CONFIG, stateDir: dir, json: true }, b.io)).toBe(0);
    const { rollouts } = JSON.parse(b.out());
    expect(rollouts).toMatchObject([
      { canary: cfg.releases.canary.name, outcome: "REVERTED", weight: 0 },
      { canary: "ion-api-v9-9-9", outcome: "HELD", weight: 5 },
    ]);
    expect(rollouts[0].reason).toMatch(
      /^reverted at 5% after .*: error rate 10% of 5000 requests, above the 1% limit/,
    );

    const text = bufferedStreams();
    expect(await listCommand("prod", { config: CONFIG, stateDir: dir }, text.io)).toBe(0);
    const lines = text.out().split("\n");
    expect(lines[0]).toContain(`${cfg.releases.canary.name}  REVERTED at 0%`);
    expect(text.out()).toContain("ion-api-v9-9-9  HELD at 5%");
  });

  it("no rollout: one line, JSON with --json, exit 1", async () => {
    const b = bufferedStreams();
    expect(await listCommand("prod", { config: CONFIG, stateDir: tempDir(), json: true }, b.io)).toBe(1);
    expect(JSON.parse(b.out())).toMatchObject({ stage: "prod", state: null });
  });
});
