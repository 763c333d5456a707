import { describe, expect, it } from "vitest";
import { runRollout } from "../../../src/rollout/controller/runner";
import { backtest } from "../../../src/rollout/core/backtest/replay";
import { refuseOutOfDomain } from "../../../src/rollout/core/sample/domain";
import type { SideSample } from "../../../src/rollout/core/sample/sample";
import { FakeDriver, FakeMetrics, FakeTime, healthy, tempDir } from "../fakes";
import { check, prodWith } from "../fixtures";

/** Values outside their domain are no data, never GO; the reason names the value. */

const cfg = prodWith({ rollout: { bakeSeconds: 0, checkIntervalSeconds: 60 } });

const IMPOSSIBLE: [string, Partial<SideSample>, RegExp][] = [
  ["negative latency", { p95LatencyMs: -1 }, /canary p95LatencyMs -1 refused/],
  ["infinite latency", { p95LatencyMs: Number.POSITIVE_INFINITY }, /canary p95LatencyMs Infinity refused/],
  ["NaN latency", { p95LatencyMs: Number.NaN }, /canary p95LatencyMs NaN refused/],
  ["negative memory", { memory: -1 }, /canary memory -1 refused/],
  ["memory above 1.5", { memory: 7 }, /canary memory 7 refused/],
  ["negative CPU", { cpu: -1 }, /canary cpu -1 refused/],
  ["CPU above 64", { cpu: 65 }, /canary cpu 65 refused/],
  ["negative requests", { requests: -5 }, /canary requests -5 refused/],
  ["fractional errors", { errors: 0.5 }, /canary errors 0.5 refused/],
];

describe("the runner refuses impossible values", () => {
  for (const [what, values, reason] of IMPOSSIBLE) {
    it(`${what}: never promoted, reverted as inconclusive, the reason names the value`, async () => {
      const time = new FakeTime();
      const driver = new FakeDriver();
      const result = await runRollout({
        cfg,
        driver,
        metrics: new FakeMetrics(time, () => healthy(1000, values)),
        stateDir: tempDir(),
        mode: "start",
        clock: time.clock,
        sleep: time.sleep,
        lease: { pid: 4242, isAlive: () => false },
      });
      expect(result.outcome).toBe("reverted");
      expect(driver.weights()).not.toContain(100);
      expect(result.state.lastDecision?.verdict).toBe("INCONCLUSIVE");
      expect(result.state.lastDecision?.reasons.join("\n")).toMatch(reason);
    });
  }
});

describe("the backtest refuses impossible values", () => {
  it("p95 -500 ms and memory -1 never promote", () => {
    const checks = Array.from({ length: 12 }, (_, i) => check(i * 60, { p95LatencyMs: -500, memory: -1 }));
    const result = backtest(cfg, checks);
    expect(result.outcome).toBe("reverted");
    expect(result.decisions.every((d) => d.verdict === "INCONCLUSIVE")).toBe(true);
    expect(result.decisions[0]?.reasons.join("\n")).toMatch(/p95LatencyMs -500 refused/);
  });
});

describe("refuseOutOfDomain", () => {
  it("keeps values in their domain untouched (0, 1.5 memory, 64 CPU, whole counts)", () => {
    const sample = check(0, { requests: 0, errors: 0, p95LatencyMs: 0, memory: 1.5, cpu: 64 });
    expect(refuseOutOfDomain(sample)).toBe(sample);
  });
});
