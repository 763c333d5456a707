import { describe, expect, it } from "vitest";
import { parseStageConfig } from "../../src/config";

/** The smallest stage a user can write: everything else comes from the runbook profile. */
function minimal(profile: "prod" | "staging") {
  return parseStageConfig(profile, {
    profile,
    platform: "gcp",
    service: { name: "ion-api" },
    gcp: { project: "p", region: "us-central1" },
    releases: {
      stable: { image: "img:1", name: "ion-api-v1" },
      canary: { image: "img:2", name: "ion-api-v2" },
    },
  });
}

// The runbook table of ../shared/DESIGN.md (the prod and the staging runbook), written out
// here on purpose: this test is what holds the profiles to it.
describe("profile defaults equal the runbook table", () => {
  it("prod: roll back on error > 1% x3, P95 > 500 ms x3, memory > 85% x2; GO at 0.5%, 200 ms, 85%, CPU 80%", () => {
    const { thresholds, rollout, canaryWeight } = minimal("prod");
    expect(thresholds.errorRate).toMatchObject({ rollbackAbove: 0.01, consecutive: 3, goAtMost: 0.005 });
    expect(thresholds.errorRate.forSeconds).toBeUndefined();
    expect(thresholds.p95LatencyMs).toMatchObject({ rollbackAbove: 500, consecutive: 3, goAtMost: 200 });
    expect(thresholds.memory).toMatchObject({ rollbackAbove: 0.85, consecutive: 2, goAtMost: 0.85 });
    expect(thresholds.cpu).toEqual({ goAtMost: 0.8 });
    expect(thresholds.health).toBeUndefined();
    expect(rollout.steps).toEqual([5, 10, 25, 50, 100]);
    expect(canaryWeight).toBe(0);
  });

  it("staging: roll back on error > 5% 5 min, P95 > 2 s 3 min, CPU > 90% 5 min, memory > 95% 3 min, health 3 failures", () => {
    const { thresholds, rollout } = minimal("staging");
    expect(thresholds.errorRate).toMatchObject({ rollbackAbove: 0.05, forSeconds: 300 });
    expect(thresholds.errorRate.consecutive).toBeUndefined();
    expect(thresholds.p95LatencyMs).toMatchObject({ rollbackAbove: 2000, forSeconds: 180 });
    expect(thresholds.memory).toMatchObject({ rollbackAbove: 0.95, forSeconds: 180 });
    expect(thresholds.cpu).toMatchObject({ rollbackAbove: 0.9, forSeconds: 300 });
    expect(thresholds.health).toEqual({ rollbackAfterFailures: 3 });
    expect(rollout.steps).toEqual([10, 50, 100]);
  });

  it("each cloud's periods are judged only once its metrics have arrived: prod 240 s, staging 180 s", () => {
    expect(minimal("prod").rollout.ingestionDelaySeconds).toBe(240);
    expect(minimal("staging").rollout.ingestionDelaySeconds).toBe(180);
  });

  it("an override keeps the profile's other fields and swaps consecutive for forSeconds", () => {
    const config = parseStageConfig("prod", {
      profile: "prod",
      platform: "gcp",
      service: { name: "ion-api" },
      gcp: { project: "p", region: "us-central1" },
      releases: { stable: { image: "a", name: "ion-api-a" }, canary: { image: "b", name: "ion-api-b" } },
      thresholds: { errorRate: { forSeconds: 120 } },
    });
    expect(config.thresholds.errorRate).toMatchObject({
      rollbackAbove: 0.01,
      forSeconds: 120,
      goAtMost: 0.005,
    });
    expect(config.thresholds.errorRate.consecutive).toBeUndefined();
  });
});
