import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { abortCommand } from "../../../src/rollout/commands/operator";
import { lockPath, lockTargetOf } from "../../../src/rollout/store/lock";
import { readState } from "../../../src/rollout/store/state";
import { bufferedStreams, FakeDriver, operatorEdges, T0, tempDir } from "../fakes";
import { prod, ROOT } from "../fixtures";

/** An empty or corrupt lock file never blocks `abort`: it is moved aside, reported, and the abort reverts from the config. */

describe("abort with an unreadable lock file", () => {
  for (const [what, text] of [
    ["empty", ""],
    ["corrupt", '{"pid": 12'],
  ] as const) {
    it(`a lock file that is ${what}, the canary at 50%: set aside, reported, reverted to 0%`, async () => {
      const dir = tempDir();
      const lock = lockPath(dir, lockTargetOf(prod()));
      writeFileSync(lock, text);
      const driver = new FakeDriver();
      driver.weight = 50;
      const b = bufferedStreams();
      const code = await abortCommand(
        "prod",
        { config: `${ROOT}/Pulumi.prod.yaml`, stateDir: dir },
        b.io,
        operatorEdges(driver, () => T0),
      );
      expect(b.err()).toContain("found an unreadable lock file");
      expect(code).toBe(0);
      expect(driver.weights()).toEqual([0]);
      expect(readState(dir, "prod")).toMatchObject({ status: "reverted", weight: 0 });
      expect(existsSync(lock)).toBe(false);
      expect(readdirSync(dir)).toContain(`${lock.split("/").at(-1)}.unreadable-${T0}`);
    });
  }
});
