import { describe, expect, it } from "vitest";
import { runRollout } from "../../../src/rollout/controller/runner";
import type { Check } from "../../../src/rollout/core/analysis/check";
import { backtest } from "../../../src/rollout/core/backtest/replay";
import { calibrateChangePointLogBar } from "../../../src/rollout/core/evidence/calibrate";
import { deriveEvidenceRule } from "../../../src/rollout/core/evidence/params";
import type { CounterSnapshot } from "../../../src/rollout/core/sample/sample";
import { FakeDriver, FakeMetrics, FakeTime, healthy, tempDir } from "../fakes";
import { check, consecutiveProdWith, prodWith } from "../fixtures";

/**
 * Counts no service could serve, or that are not whole, are no data (never a pass), and the exact
 * calibration stays bounded in time and memory whatever count reaches it.
 */

const FAST = { rollout: { bakeSeconds: 0, checkIntervalSeconds: 60, minRequestsPerStep: 0 } };

describe("implausible counts are no data", () => {
  it("the runbook rule never promotes checks of 10^15 requests (above the configured ceiling)", () => {
    const cfg = consecutiveProdWith(FAST);
    const checks = Array.from({ length: 12 }, (_, i) => check(i * 60, { requests: 1e15, errors: 0 }));
    const result = backtest(cfg, checks);
    expect(result.outcome).not.toBe("promoted");
    expect(result.decisions[0]?.verdict).toBe("INCONCLUSIVE");
    expect(result.decisions[0]?.reasons.join("\n")).toMatch(/canary requests 1000000000000000 refused/);
    expect(result.decisions[0]?.reasons.join("\n")).toMatch(/rollout\.maxRequestsPerSecond/);
  });

  it("refused counts are not banked towards minRequestsPerStep", () => {
    const cfg = consecutiveProdWith({ rollout: { ...FAST.rollout, minRequestsPerStep: 200 } });
    const checks = [
      check(0, { requests: 1e15, errors: 0 }),
      ...[1, 2, 3].map((i) => check(i * 60, { requests: 100, errors: 0 })),
    ];
    const result = backtest(cfg, checks);
    // 100 plausible requests after the refused check are not 200: the step holds until the next one.
    expect(result.decisions.map((d) => d.action)).toEqual(["hold", "hold", "advance", "hold"]);
  });

  it("the ceiling is expected traffic × 100 when the stage declares it, else 1,000,000 req/s, or the configured key", () => {
    // 60 s checks: 100 req/s expected → 600,000 per check is the most a check may show.
    const declared = consecutiveProdWith({ rollout: { ...FAST.rollout, expectedRequestsPerSecond: 100 } });
    const over = backtest(declared, [check(0, { requests: 600_001, errors: 0 })]);
    expect(over.decisions[0]?.reasons.join("\n")).toMatch(/canary requests 600001 refused/);
    const within = backtest(declared, [check(0, { requests: 600_000, errors: 0 })]);
    expect(within.decisions[0]?.reasons.join("\n")).not.toMatch(/refused/);
    const configured = consecutiveProdWith({ rollout: { ...FAST.rollout, maxRequestsPerSecond: 10 } });
    const tight = backtest(configured, [check(0, { requests: 100 }, { requests: 601, errors: 0 })]);
    expect(tight.decisions[0]?.reasons.join("\n")).toMatch(/stable requests 601 refused/);
  });

  it("fractional counter readings are no data: no RangeError, the check is INCONCLUSIVE", () => {
    const cfg = prodWith(FAST);
    const one = (series: string, value: number) => [{ series, value }];
    const counters = (k: number): CounterSnapshot => ({
      at: 60_000 * k,
      canary: { requests: one("c", 100.5 * k), errors: one("c5", 0) },
      stable: { requests: one("s", 2_000 * k), errors: one("s5", 0) },
      baseline: { at: 0, canary: { requests: one("c", 0), errors: one("c5", 0) }, stable: {} },
    });
    const checks: Check[] = [1, 2, 3].map((k) => ({ ...check(60 * k), counters: counters(k) }));
    const result = backtest(cfg, checks);
    expect(result.outcome).not.toBe("promoted");
    expect(result.decisions[0]?.verdict).toBe("INCONCLUSIVE");
    expect(result.decisions[0]?.reasons.join("\n")).toMatch(/canary requests 100.5 refused/);
  });
});

describe("the runner refuses implausible counts", () => {
  it("10^15 canary requests a check: never promoted, reverted as inconclusive, the reason names the key", async () => {
    const time = new FakeTime();
    const driver = new FakeDriver();
    const result = await runRollout({
      cfg: consecutiveProdWith(FAST),
      driver,
      metrics: new FakeMetrics(time, () => healthy(1000, { requests: 1e15 })),
      stateDir: tempDir(),
      mode: "start",
      clock: time.clock,
      sleep: time.sleep,
      lease: { pid: 4242, isAlive: () => false },
    });
    expect(result.outcome).toBe("reverted");
    expect(driver.weights()).not.toContain(100);
    expect(result.state.lastDecision?.reasons.join("\n")).toMatch(/rollout\.maxRequestsPerSecond/);
  });
});

describe("the exact calibration is bounded for any count", () => {
  const settings = prodWith({}).thresholds.errorRate.evidence;
  const limits = { rollbackAbove: 0.01, goAtMost: 0.005 };
  const budget = settings.alpha * (1 - settings.cumulativeShare);
  // Above what the exact computation covers, the bar holds by Ville's inequality from each of the
  // horizon's restart points: ln(horizon / budget), whatever the traffic.
  const unionBound = Math.log(settings.horizonChecks / budget);

  for (const requests of [2 ** 40, 1e15, 2 ** 60, 1e300]) {
    it(`${requests} requests per check: a finite bar at least the union bound, at once`, {
      timeout: 5_000,
    }, () => {
      const rule = deriveEvidenceRule(limits, settings, requests);
      expect(Number.isFinite(rule.changePointLogBar)).toBe(true);
      expect(rule.changePointLogBar).toBeGreaterThanOrEqual(unionBound);
      const bar = calibrateChangePointLogBar(rule, requests, settings.horizonChecks, budget, 0.005);
      expect(bar).toBeCloseTo(unionBound, 9);
    });
  }
});

describe("the largest counts the ceiling admits are judged at once", () => {
  it("3·10^11 requests per check (10^8 req/s, hour-long checks): sequential analysis judges, no hang", {
    timeout: 5_000,
  }, () => {
    const cfg = prodWith({
      rollout: { ...FAST.rollout, checkIntervalSeconds: 3600, maxRequestsPerSecond: 1e8 },
    });
    const checks = [0, 1, 2].map((i) => check(i * 3600, { requests: 3e11, errors: 0 }, { requests: 3e11 }));
    const result = backtest(cfg, checks);
    expect(result.decisions[0]?.reasons.join("\n")).not.toMatch(/refused/);
    expect(result.decisions[0]?.verdict).not.toBe("INCONCLUSIVE");
  });
});
