import { describe, expect, it } from "vitest";
import { ALL_POLICIES } from "../../policies/all";
import {
  FirstStepConfigSchema,
  ProductionDatabasesConfigSchema,
  RequiredSignalsConfigSchema,
  ThresholdLimitsConfigSchema,
} from "../../policies/config";
import { PolicyConfigError, parsePolicyPackConfig } from "../../policies/pack-config";
import { check, render, stageWith, violationsOf } from "./fixtures";

const LIMITS = "alert-thresholds-within-org-limits";

function issues(raw: unknown): string[] {
  try {
    parsePolicyPackConfig(raw, ALL_POLICIES);
  } catch (error) {
    if (error instanceof PolicyConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe("the pack's config schema", () => {
  it("defaults to the runbook limits (the readiness checklist for prod, the staging runbook for staging), breach time included", () => {
    const { stages, defaultStage } = ThresholdLimitsConfigSchema.parse({});
    expect(defaultStage).toBe("prod");
    expect(stages.prod).toEqual({
      errorRate: { rollbackAbove: 0.01, maxForSeconds: 180 },
      p95LatencyMs: { rollbackAbove: 500, maxForSeconds: 180 },
      memory: { rollbackAbove: 0.85, maxForSeconds: 120 },
    });
    expect(stages.staging).toEqual({
      errorRate: { rollbackAbove: 0.05, maxForSeconds: 300 },
      p95LatencyMs: { rollbackAbove: 2000, maxForSeconds: 180 },
      memory: { rollbackAbove: 0.95, maxForSeconds: 180 },
      cpu: { rollbackAbove: 0.9, maxForSeconds: 300 },
    });
    expect(RequiredSignalsConfigSchema.parse({}).stages).toEqual({
      prod: ["errorRate", "p95LatencyMs", "memory"],
      staging: ["errorRate", "p95LatencyMs", "memory", "cpu"],
    });
    expect(FirstStepConfigSchema.parse({}).stages).toEqual({ prod: 5, staging: 10 });
    expect(ProductionDatabasesConfigSchema.parse({})).toMatchObject({ minBackupRetentionDays: 7 });
  });

  it("lays an organisation's settings over the defaults: tightening prod's error rate keeps its other limits and staging", () => {
    const { stages } = ThresholdLimitsConfigSchema.parse({
      stages: { prod: { errorRate: { rollbackAbove: 0.005 } } },
    });
    expect(stages.prod).toMatchObject({
      errorRate: { rollbackAbove: 0.005, maxForSeconds: 180 },
      p95LatencyMs: { rollbackAbove: 500 },
      memory: { rollbackAbove: 0.85 },
    });
    expect(stages.staging?.errorRate?.rollbackAbove).toBe(0.05);
    expect(FirstStepConfigSchema.parse({ stages: { qa: 20 } }).stages).toEqual({
      prod: 5,
      staging: 10,
      qa: 20,
    });
  });

  it("rejects bad limits with the path and the reason", () => {
    expect(issues({ [LIMITS]: { stages: { prod: { errorRate: { rollbackAbove: 5 } } } } })).toEqual([
      expect.stringMatching(
        /^alert-thresholds-within-org-limits\.stages\.prod\.errorRate\.rollbackAbove: .*<=1/,
      ),
    ]);
    expect(issues({ [LIMITS]: { stages: { prod: { p95LatencyMs: { rollbackAbove: -500 } } } } })[0]).toMatch(
      /stages\.prod\.p95LatencyMs\.rollbackAbove: .*>0/,
    );
    expect(
      issues({ [LIMITS]: { stages: { prod: { memory: { rollbackAbove: 0.85, maxForSeconds: 0 } } } } })[0],
    ).toMatch(/stages\.prod\.memory\.maxForSeconds/);
    expect(issues({ [LIMITS]: { stages: { prod: { errorrate: { rollbackAbove: 0.01 } } } } })[0]).toMatch(
      /stages\.prod: Unrecognized key: "errorrate"/,
    );
    expect(issues({ [LIMITS]: { defaultStage: "qa" } })).toEqual([
      'alert-thresholds-within-org-limits.defaultStage: defaultStage "qa" has no entry in stages (prod, staging); add it or pick one of them',
    ]);
    expect(issues({ "canary-within-first-step-unless-rolling-out": { stages: { prod: 150 } } })[0]).toMatch(
      /stages\.prod: .*<=100/,
    );
    expect(issues({ "production-databases-protected": { minBackupRetentionDays: 0 } })[0]).toMatch(
      /minBackupRetentionDays/,
    );
  });

  it("rejects unknown policies and enforcement levels, accepts Pulumi's format", () => {
    expect(issues({ "no-such-policy": "mandatory" })[0]).toMatch(
      /^no-such-policy: no such policy; the pack has /,
    );
    expect(issues({ all: "strict" })).toEqual([
      'all: "strict" is not one of advisory, mandatory, remediate, disabled',
    ]);
    expect(issues({ [LIMITS]: { enforcementLevel: "warn" } })[0]).toMatch(/enforcementLevel: "warn"/);
    expect(
      issues({
        all: "mandatory",
        "ecr-scan-on-push": "advisory",
        [LIMITS]: {
          enforcementLevel: "mandatory",
          stages: { prod: { errorRate: { rollbackAbove: 0.005 } } },
        },
      }),
    ).toEqual([]);
  });

  it("gives every policy a JSON Schema for the Pulumi CLI, with the runbook defaults and without enforcementLevel", () => {
    for (const policy of ALL_POLICIES) {
      expect(policy.configSchema, policy.name).toBeDefined();
      expect(Object.keys(policy.configSchema?.properties ?? {}), policy.name).not.toContain(
        "enforcementLevel",
      );
    }
    const limits = ALL_POLICIES.find((policy) => policy.name === LIMITS);
    expect(limits?.configSchema?.properties.stages).toMatchObject({
      type: "object",
      default: { prod: { errorRate: { rollbackAbove: 0.01 } } },
    });
    expect(new Set(ALL_POLICIES.map((policy) => policy.name)).size).toBe(ALL_POLICIES.length);
  });
});

describe("enforcement levels", () => {
  it("`all: advisory` keeps reporting the violation but nothing is mandatory; a policy's own level wins", async () => {
    const loose = await render(stageWith("prod", { thresholds: { errorRate: { rollbackAbove: 0.05 } } }));
    const advisory = await check(loose, { all: "advisory" });
    // The GCP alert policy and the Kubernetes rule both declare the 5% limit.
    const where = (run: typeof advisory) =>
      run.violations.map((violation) => [violation.policy, violation.resource?.name]);
    expect(where(advisory)).toEqual([
      [LIMITS, "prod-rollback-error-rate"],
      [LIMITS, "prod-k8s-rules"],
    ]);
    expect(
      violationsOf(advisory, LIMITS).every((violation) => violation.enforcementLevel === "advisory"),
    ).toBe(true);
    expect(advisory.mandatory).toEqual([]);
    const own = await check(loose, { all: "advisory", [LIMITS]: { enforcementLevel: "mandatory" } });
    expect(own.mandatory.map((violation) => [violation.policy, violation.resource?.name])).toEqual([
      [LIMITS, "prod-rollback-error-rate"],
      [LIMITS, "prod-k8s-rules"],
    ]);
  });

  it("a disabled policy does not run", async () => {
    const loose = await render(stageWith("prod", { thresholds: { errorRate: { rollbackAbove: 0.05 } } }));
    const run = await check(loose, { [LIMITS]: "disabled" });
    expect(violationsOf(run, LIMITS)).toEqual([]);
    expect(run.outcomes.find((outcome) => outcome.policy === LIMITS)?.status).toBe("disabled");
  });
});
