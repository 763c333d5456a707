import { describe, expect, it } from "vitest";
import { ConfigError, parseStageConfig, readStageFile } from "../../src/config";

/** The committed prod stage, as a valid base that each case breaks in one place. */
const prod = readStageFile("prod").raw;
const prodRollout = prod.rollout as Record<string, unknown>;
const prodThresholds = prod.thresholds as Record<string, Record<string, unknown>>;

function rejection(overrides: Record<string, unknown>): ConfigError {
  try {
    parseStageConfig("prod", { ...prod, ...overrides });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`accepted an invalid config: ${JSON.stringify(overrides)}`);
}

function withErrorRate(fields: Record<string, unknown>) {
  return { thresholds: { ...prodThresholds, errorRate: fields } };
}

describe("invalid stage config is rejected with the exact key path", () => {
  const cases: { what: string; overrides: Record<string, unknown>; path: string; says: RegExp }[] = [
    {
      what: "steps not strictly increasing",
      overrides: { rollout: { ...prodRollout, steps: [5, 3, 100] } },
      path: "rollout.steps",
      says: /strictly increasing.*step 2 \(3\) is not above step 1 \(5\)/,
    },
    {
      what: "steps not ending at 100",
      overrides: { rollout: { ...prodRollout, steps: [5, 10, 50] } },
      path: "rollout.steps",
      says: /last step must be 100.*\[5, 10, 50\]/,
    },
    {
      what: "old side retired while the canary is not at 100%",
      overrides: { canaryWeight: 5, oldSideRetired: true },
      path: "oldSideRetired",
      says: /only valid when canaryWeight is 100.*canaryWeight is 5/,
    },
    {
      what: "canary weight out of range",
      overrides: { canaryWeight: 120 },
      path: "canaryWeight",
      says: /<=100.*120/,
    },
    {
      what: "GO limit looser than the roll-back limit",
      overrides: withErrorRate({ rollbackAbove: 0.01, consecutive: 3, goAtMost: 0.02 }),
      path: "thresholds.errorRate.goAtMost",
      says: /GO limit 0\.02 is looser than the roll-back limit 0\.01/,
    },
    {
      what: "both consecutive and forSeconds",
      overrides: withErrorRate({ rollbackAbove: 0.01, consecutive: 3, forSeconds: 300, goAtMost: 0.005 }),
      path: "thresholds.errorRate.consecutive",
      says: /exactly one of consecutive .* or forSeconds/,
    },
    {
      what: "a bake list of the wrong length",
      overrides: { rollout: { ...prodRollout, bakeSeconds: [600, 600] } },
      path: "rollout.bakeSeconds",
      says: /one entry per step \(5\); got 2/,
    },
    {
      what: "a typo in a top-level key",
      overrides: { canaryWieght: 5 },
      path: "canaryWieght",
      says: /unknown key; did you mean "canaryWeight"\?/,
    },
    {
      what: "a typo in a nested key",
      overrides: { rollout: { ...prodRollout, stpes: [5, 100] } },
      path: "rollout.stpes",
      says: /did you mean "steps"/,
    },
    {
      what: "a typo inside an optional platform block",
      overrides: { gcp: { ...(prod.gcp as object), minInstnces: 1 } },
      path: "gcp.minInstnces",
      says: /did you mean "minInstances"/,
    },
    {
      what: "a plaintext Slack token",
      overrides: { slackAuthToken: "xoxb-not-a-secret" },
      path: "slackAuthToken",
      says: /must be a Pulumi secret; run `pulumi config set --secret ion-deploy:slackAuthToken <value>`/,
    },
    {
      what: "a canary past the first step with no rollout in progress",
      overrides: { canaryWeight: 50 },
      path: "canaryWeight",
      says: /past the first rollout step \(5\)/,
    },
    {
      what: "a release name that is not a DNS label",
      overrides: { releases: { ...(prod.releases as object), canary: { image: "x", name: "Ion_API" } } },
      path: "releases.canary.name",
      says: /lowercase DNS label/,
    },
  ];

  for (const { what, overrides, path, says } of cases) {
    it(what, () => {
      const error = rejection(overrides);
      expect(error.issues.map((issue) => issue.path)).toContain(path);
      const issue = error.issues.find((candidate) => candidate.path === path);
      expect(issue?.message).toMatch(says);
      // The printed message names the full config key, as `pulumi config set` spells it.
      expect(error.message).toContain(`ion-deploy:${path}: `);
    });
  }

  it("a valid secret value (encrypted in the stack file) is accepted", () => {
    const config = parseStageConfig("prod", { ...prod, slackAuthToken: { secure: "v1:abc" } });
    expect(config.notifications.slackChannel).toBe("#ion-releases");
  });
});
