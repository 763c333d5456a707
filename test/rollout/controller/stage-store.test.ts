import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { StageConfig } from "../../../src/config";
import { stageRecords, stageStore } from "../../../src/rollout/controller/stage-store";
import { prod } from "../fixtures";

function withStore(store: StageConfig["rollout"]["store"]): StageConfig {
  const cfg = prod();
  return { ...cfg, rollout: { ...cfg.rollout, store } };
}

describe("the stage's store (rollout.store)", () => {
  const scope = { projectDir: "/srv/project", stateDir: "/home/ci/.ion-rollout" };

  it("a directory store without a path is the state directory", () => {
    expect(stageStore({ ...scope, cfg: withStore({ kind: "directory" }) }).description).toBe(scope.stateDir);
  });

  it("a directory store's path is its own, relative to the project directory, whatever --state-dir says", () => {
    const relative = withStore({ kind: "directory", path: "shared/rollouts" });
    expect(stageStore({ ...scope, cfg: relative }).description).toBe(
      join(scope.projectDir, "shared/rollouts"),
    );
    const absolute = withStore({ kind: "directory", path: "/mnt/rollouts" });
    expect(stageRecords({ ...scope, cfg: absolute }).where("stages/prod/state.json")).toBe(
      "/mnt/rollouts/stages/prod/state.json",
    );
  });

  it("one scope opens its store once: the records and the lease share it (one bucket client, one Google token)", () => {
    const tokens: string[][] = [];
    const one = {
      ...scope,
      cfg: withStore({ kind: "gcs", bucket: "rollouts", prefix: "" }),
      storeDeps: {
        googleToken: (scopes: string[]) => {
          tokens.push(scopes);
          return async () => "token";
        },
        env: {},
      },
    };
    const store = stageStore(one);
    expect(stageStore(one)).toBe(store);
    expect(stageRecords(one).where("stages/prod/state.json")).toBe("gs://rollouts/stages/prod/state.json");
    expect(tokens).toHaveLength(1);
    expect(stageStore({ ...one })).not.toBe(store);
    expect(tokens).toHaveLength(2);
  });
});
