import { afterEach, describe, expect, it } from "vitest";
import { percentile, rateProbe } from "../../../../src/rollout/edges/probes/rate-probe";
import { serve, type TestServer } from "./servers";

/** The readiness checklist's probe: 10 requests per side, 500 ms apart, at least 95% answered. */
const readinessChecklist = {
  enabled: true,
  requestsPerSide: 10,
  spacingMs: 500,
  minSuccessRate: 0.95,
  timeoutMs: 2_000,
  path: "/health",
};
const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** Resolves at once and records the spacing asked for: the probe's pacing without waiting. */
function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe("rateProbe (the readiness checklist: 10 requests per side, 500 ms apart, success >= 95%)", () => {
  it("asks both sides requestsPerSide times at the configured spacing and passes a healthy canary", async () => {
    const canary = await serve(() => 200);
    const stable = await serve(() => 200);
    servers.push(canary, stable);
    const { waits, sleep } = recordingSleep();
    const outcome = await rateProbe(
      { canary: { url: canary.url }, stable: { url: stable.url } },
      readinessChecklist,
      sleep,
    );
    expect(outcome.passed).toBe(true);
    expect(canary.requests).toHaveLength(10);
    expect(stable.requests).toHaveLength(10);
    expect(waits).toEqual(Array(18).fill(500));
    expect(outcome.summary).toMatch(
      /^canary 10\/10 2xx \(100%\), P95 \d+ ms; stable 10\/10 2xx \(100%\), P95 \d+ ms/,
    );
  });

  it("fails a canary rate-limited on one request in ten (90% < 95%) and shows stable's difference", async () => {
    const canary = await serve((_, n) => (n === 4 ? 429 : 200));
    const stable = await serve(() => 200);
    servers.push(canary, stable);
    const outcome = await rateProbe(
      { canary: { url: canary.url }, stable: { url: stable.url } },
      readinessChecklist,
      recordingSleep().sleep,
    );
    expect(outcome.passed).toBe(false);
    expect(outcome.detail).toMatchObject({
      canarySuccessRate: 0.9,
      stableSuccessRate: 1,
      canaryStatuses: '{"200":9,"429":1}',
    });
  });

  it("percentile is nearest-rank", () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
    expect(
      percentile(
        Array.from({ length: 20 }, (_, i) => i + 1),
        0.95,
      ),
    ).toBe(19);
    expect(percentile([], 0.95)).toBe(0);
  });
});
