import { describe, expect, it } from "vitest";
import { abortCommand } from "../../../src/rollout/commands/operator";
import { readTrafficLease, trafficLeaseSite } from "../../../src/rollout/controller/traffic-lease";
import { leaseKey } from "../../../src/rollout/store/lease";
import { readState } from "../../support/records";
import { bufferedStreams, FakeDriver, operatorEdges, T0, tempDir } from "../fakes";
import { prod, ROOT } from "../fixtures";

/** An empty or corrupt lease never blocks `abort`: it holds nobody, and the abort takes it over by CAS and reverts. */

describe("abort with an unreadable lease", () => {
  for (const [what, text] of [
    ["empty", ""],
    ["corrupt", '{"holder": {"pid": 12'],
  ] as const) {
    it(`a lease that is ${what}, the canary at 50%: taken over, reported, reverted to 0%`, async () => {
      const dir = tempDir();
      const scope = { cfg: prod(), projectDir: ROOT, stateDir: dir };
      const { store, target } = trafficLeaseSite(scope);
      await store.write(leaseKey(target), text, { ifAbsent: true });
      const driver = new FakeDriver();
      driver.weight = 50;
      const b = bufferedStreams();
      const code = await abortCommand(
        "prod",
        { config: `${ROOT}/Pulumi.prod.yaml`, stateDir: dir },
        b.io,
        operatorEdges(driver, () => T0),
      );
      expect(b.err()).toContain("took over an unreadable lease");
      expect(code).toBe(0);
      expect(driver.weights()).toEqual([0]);
      expect(await readState(dir, "prod")).toMatchObject({ status: "reverted", weight: 0 });
      // Released at the end: nobody holds it.
      expect(await readTrafficLease(scope)).toBeUndefined();
    });
  }
});
