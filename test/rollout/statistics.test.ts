import { describe, expect, it } from "vitest";
import {
  binomialUpperTail,
  logGamma,
  normalQuantile,
  wilsonLower,
  wilsonUpper,
  worseThanStable,
} from "../../src/rollout/core/analysis/statistics";

describe("normalQuantile", () => {
  it.each([
    [0.5, 0],
    [0.8413447460685429, 1],
    [0.95, 1.6448536269514722],
    [0.975, 1.959963984540054],
    [0.99, 2.3263478740408408],
    [0.999, 3.090232306167813],
    [0.01, -2.3263478740408408],
  ])("Phi^-1(%f) = %f", (p, z) => {
    expect(normalQuantile(p)).toBeCloseTo(z, 7);
  });
  it("refuses p outside (0, 1)", () => {
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe("Wilson score bounds", () => {
  it("matches the closed form at zero errors: upper = z^2 / (n + z^2)", () => {
    const z = normalQuantile(0.95);
    expect(wilsonLower(0, 50, 0.95)).toBe(0);
    expect(wilsonUpper(0, 50, 0.95)).toBeCloseTo((z * z) / (50 + z * z), 12);
  });
  it("matches hand-computed values", () => {
    // 1 error in 15 requests, 95% one-sided: (p + z²/2n - z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)
    expect(wilsonLower(1, 15, 0.95)).toBeCloseTo(0.01505, 4);
    // 100/5000 at 95%: clearly above a 1% limit
    expect(wilsonLower(100, 5000, 0.95)).toBeCloseTo(0.01699, 4);
    // Two-sided 95% Wilson interval for 10/100 is (0.0552, 0.1744) (standard tables, z = 1.96)
    expect(wilsonLower(10, 100, 0.975)).toBeCloseTo(0.0552, 4);
    expect(wilsonUpper(10, 100, 0.975)).toBeCloseTo(0.1744, 4);
  });
  it("gives the uninformative bounds with no trials and rejects impossible counts", () => {
    expect(wilsonLower(0, 0, 0.95)).toBe(0);
    expect(wilsonUpper(0, 0, 0.95)).toBe(1);
    expect(() => wilsonLower(3, 2, 0.95)).toThrow(RangeError);
  });
});

describe("binomial tail", () => {
  it("logGamma(n+1) = ln n!", () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(6)).toBeCloseTo(Math.log(120), 10);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 8);
  });
  it("matches exact small cases", () => {
    expect(binomialUpperTail(3, 3, 0.1)).toBeCloseTo(0.001, 12);
    // P(X >= 1) for Bin(10, 0.5) = 1 - 2^-10
    expect(binomialUpperTail(1, 10, 0.5)).toBeCloseTo(1 - 2 ** -10, 12);
    expect(binomialUpperTail(0, 10, 0.3)).toBe(1);
    expect(binomialUpperTail(11, 10, 0.3)).toBe(0);
  });
  it("does not underflow at large n", () => {
    expect(binomialUpperTail(2500, 5000, 0.5)).toBeCloseTo(0.5056, 3);
  });
});

describe("worseThanStable (conditional binomial test of the rate ratio)", () => {
  it("flags 3 errors in 60 canary requests against 0 in 1140 stable ones at 2x", () => {
    const test = worseThanStable({ requests: 60, errors: 3 }, { requests: 1140, errors: 0 }, 2, 0.99);
    expect(test.expectedShare).toBeCloseTo(120 / 1260, 12);
    expect(test.pValue).toBeCloseTo((120 / 1260) ** 3, 12);
    expect(test.worse).toBe(true);
  });
  it("does not flag equal rates", () => {
    const test = worseThanStable({ requests: 1000, errors: 5 }, { requests: 19_000, errors: 95 }, 2, 0.99);
    expect(test.worse).toBe(false);
    expect(test.pValue).toBeGreaterThan(0.5);
  });
  it("does not flag one error among 15 requests", () => {
    expect(worseThanStable({ requests: 15, errors: 1 }, { requests: 285, errors: 1 }, 2, 0.99).worse).toBe(
      false,
    );
  });
  it("skips without stable traffic or without errors", () => {
    expect(
      worseThanStable({ requests: 15, errors: 1 }, { requests: 0, errors: 0 }, 2, 0.99).skipped,
    ).toBeDefined();
    expect(
      worseThanStable({ requests: 15, errors: 0 }, { requests: 10, errors: 0 }, 2, 0.99).skipped,
    ).toBeDefined();
  });
});

describe("relative check: false-alarm rate on a simulated healthy population", () => {
  it.each([
    [60, 1140],
    [300, 5700],
    [5000, 95_000],
  ])(
    "canary %i vs stable %i requests at the same 0.5%% rate: alarms <= 1 - confidence",
    async (canaryRequests, stableRequests) => {
      const { relativeFalseAlarmRate } = await import("../../bench/simulate");
      const rate = relativeFalseAlarmRate({
        errorRate: 0.005,
        canaryRequests,
        stableRequests,
        worseByFactor: 2,
        confidence: 0.99,
        trials: 4000,
        seed: 11,
      });
      expect(rate).toBeLessThanOrEqual(0.01);
    },
  );

  it("and it does catch a canary 4x worse than stable at adequate traffic", async () => {
    const { mulberry32, binomialDraw } = await import("../../bench/simulate");
    const random = mulberry32(3);
    let caught = 0;
    for (let i = 0; i < 500; i++) {
      const canary = { requests: 5000, errors: binomialDraw(5000, 0.008, random) };
      const stable = { requests: 95_000, errors: binomialDraw(95_000, 0.002, random) };
      if (worseThanStable(canary, stable, 2, 0.99).worse) caught++;
    }
    expect(caught / 500).toBeGreaterThan(0.8);
  });
});

describe("binomialDraw", () => {
  it("has the binomial mean and variance on both of its paths", async () => {
    const { binomialDraw, mulberry32 } = await import("../../bench/simulate");
    for (const [n, p] of [
      [15, 0.05],
      [95_000, 0.005],
    ] as const) {
      const random = mulberry32(5);
      const draws = Array.from({ length: 4000 }, () => binomialDraw(n, p, random));
      const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
      const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length;
      expect(mean).toBeCloseTo(n * p, n * p > 10 ? -0.5 : 1);
      expect(variance / (n * p * (1 - p))).toBeGreaterThan(0.9);
      expect(variance / (n * p * (1 - p))).toBeLessThan(1.1);
    }
  });
});
