import { describe, expect, it } from "vitest";
import { statusCommand } from "../../src/rollout/commands/status";
import { freshState } from "../../src/rollout/controller/prepare";
import { writeState } from "../support/records";
import { FakeDriver, tempDir } from "./fakes";
import { prod, ROOT } from "./fixtures";

const CONFIG = `${ROOT}/Pulumi.prod.yaml`;

/** A running rollout recorded at 50%, and a platform that serves `served` (an Error: it cannot be read). */
async function status(served: number | Error, live = true) {
  const cfg = prod();
  const dir = tempDir();
  await writeState(dir, { ...freshState(cfg.stage, cfg.releases, Date.now(), 50), weight: 50 });
  const driver = new FakeDriver();
  if (served instanceof Error) driver.currentCanaryWeight = () => Promise.reject(served);
  else driver.weight = served;
  let out = "";
  const io = {
    out: (t: string) => {
      out += t;
    },
    err: () => {},
  };
  const sleep = async () => {};
  const code = await statusCommand(
    "prod",
    { config: CONFIG, stateDir: dir, live },
    io,
    sleep,
    Date.now,
    async () => driver,
  );
  return { code, out };
}

describe("status --live: the deployed truth beside the recorded state", () => {
  it("says the platform agrees when it serves the recorded weight", async () => {
    expect((await status(50)).out).toContain("platform: serves 50% canary, as recorded");
  });

  it("names a disagreement and what reconciles it (a revert made outside the runner)", async () => {
    const { out } = await status(0);
    expect(out).toContain("platform: serves 0% canary, but the state records 50%");
    expect(out).toContain("`ion-rollout resume prod` reconciles");
  });

  it("an unreadable platform is said, not guessed; without --live the platform is not asked", async () => {
    expect((await status(new Error("socket refused"))).out).toContain(
      "canary weight unknown (socket refused)",
    );
    expect((await status(0, false)).out).not.toContain("platform:");
  });
});
