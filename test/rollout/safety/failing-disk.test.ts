import { afterEach, describe, expect, it } from "vitest";
import { abortCommand } from "../../../src/rollout/commands/operator";
import { runRollout } from "../../../src/rollout/controller/runner";
import { storeIo } from "../../../src/rollout/store/io";
import { bufferedStreams, FakeDriver, fakeRun, healthy, operatorEdges, tempDir } from "../fakes";
import { consecutiveProdWith, localStoreStageFile } from "../fixtures";

/**
 * A full (ENOSPC) or read-only (EROFS) state directory never stops a revert: the revert and the
 * abort are applied through the driver first, and the failed writes are reported and retried
 * afterwards. The disk fails through the store's write seam (root ignores chmod).
 */

const original = { ...storeIo };
afterEach(() => {
  Object.assign(storeIo, original);
});

/** From now on every write to a state directory fails like `code` (ENOSPC, EROFS). */
function failWrites(code: "ENOSPC" | "EROFS"): void {
  const fail = () => {
    throw Object.assign(new Error(`${code}: simulated failing disk`), { code });
  };
  Object.assign(storeIo, { mkdir: fail, open: fail, write: fail, rename: fail, link: fail });
}

const cfg = consecutiveProdWith({
  rollout: { steps: [50, 100], bakeSeconds: 600, checkIntervalSeconds: 60 },
});

describe("a state directory whose writes fail", () => {
  it("an interrupt at 50% with the disk full: the split reaches 0%, the failed records are reported", async () => {
    const interrupt = new AbortController();
    const { driver, events, options, time } = fakeRun(cfg, { signal: interrupt.signal });
    time.onSleep = (now) => {
      if (now < time.at(90)) return undefined;
      failWrites("ENOSPC");
      interrupt.abort("SIGTERM");
      return undefined;
    };
    const result = await runRollout(options);
    expect(driver.weights()).toEqual([50, 0]);
    expect(result.outcome).toBe("reverted");
    const warnings = events.flatMap((e) => (e.type === "warning" ? [e.message] : []));
    expect(warnings.join("\n")).toMatch(/could not record .*ENOSPC/i);
  });

  it("a breach at 50% with the disk read-only: the check cannot be recorded, the revert is still applied", async () => {
    const { driver, options, time } = fakeRun(cfg, {}, (now) =>
      now >= time.at(120) ? healthy(5000, { errors: 2500 }) : healthy(),
    );
    time.onSleep = (now) => {
      if (now >= time.at(110)) failWrites("EROFS");
      return undefined;
    };
    const result = await runRollout(options);
    expect(driver.weights()).toEqual([50, 0]);
    expect(result.outcome).toBe("reverted");
  });

  it("a breach at 50% with the disk full under --on-interrupt hold (as CI runs it): reverted, not held", async () => {
    const { driver, events, options, time } = fakeRun(cfg, { onInterrupt: "hold" }, (now) =>
      now >= time.at(120) ? healthy(5000, { errors: 2500 }) : healthy(),
    );
    time.onSleep = (now) => {
      if (now >= time.at(110)) failWrites("ENOSPC");
      return undefined;
    };
    const result = await runRollout(options);
    expect(driver.weights()).toEqual([50, 0]);
    expect(result.outcome).toBe("reverted");
    // The check that decided it is shown before the revert is applied, and its record reported unwritten.
    const order = events.flatMap((e) => (e.type === "check" || e.type === "apply" ? [e.type] : []));
    expect(order.slice(-2)).toEqual(["check", "apply"]);
    const warnings = events.flatMap((e) => (e.type === "warning" ? [e.message] : []));
    expect(warnings.join("\n")).toMatch(/could not record .*ENOSPC/i);
  });

  it("abort with no runner and the disk full: reverts from the config, says what it could not record", async () => {
    const dir = tempDir();
    const driver = new FakeDriver();
    driver.weight = 50;
    failWrites("ENOSPC");
    const b = bufferedStreams();
    const code = await abortCommand(
      "prod",
      { config: localStoreStageFile("prod"), stateDir: dir },
      b.io,
      operatorEdges(driver),
    );
    expect(driver.weights()).toEqual([0]);
    expect(b.text.err).toMatch(/ENOSPC/);
    expect(code).toBe(0);
  });
});
