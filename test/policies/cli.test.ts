import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { inProcess, ROOT, spawned, useInProcessCli } from "../support/ion-deploy";

useInProcessCli();
const ionDeploy = inProcess;

function tempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "ion-policies-")), name);
  writeFileSync(file, text);
  return file;
}

/** Pulumi.prod.yaml with the error-rate roll-back limit raised to 5%. */
function prodWithErrorRate(limit: number): string {
  const document = parse(readFileSync(join(ROOT, "Pulumi.prod.yaml"), "utf8"));
  document.config["ion-deploy:thresholds"].errorRate.rollbackAbove = limit;
  return tempFile("Pulumi.prod.yaml", stringify(document));
}

describe("ion-deploy synth --policies", () => {
  // The one spawn of this file, the real bin beside the in-process tests: a mandatory violation.
  let real: ReturnType<typeof spawned>;
  beforeAll(() => {
    real = spawned("synth", "prod", "--policies", "--config", prodWithErrorRate(0.05));
  });

  it("prints a clean report for the committed prod stage and exits 0", async () => {
    const { status, stdout, stderr } = await ionDeploy("synth", "prod", "--policies");
    expect(status, stderr).toBe(0);
    expect(stdout).toContain("policies · stage prod · 18 policies");
    expect(stdout).toContain("result: clean, no violations");
    expect(stdout).not.toMatch(/MANDATORY|ADVISORY/);
  });

  it("puts the outcomes and violations in --json for machines", async () => {
    const { status, stdout } = await ionDeploy(
      "synth",
      "prod",
      "--json",
      "--policies",
      "--config",
      prodWithErrorRate(0.05),
    );
    expect(status).toBe(3);
    const json = JSON.parse(stdout);
    expect(json.policies.violations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          policy: "alert-thresholds-within-org-limits",
          enforcementLevel: "mandatory",
          resource: expect.objectContaining({ name: "prod-rollback-error-rate" }),
        }),
      ]),
    );
  });

  it("follows --policy-config: the same stage passes when the organisation makes the policy advisory", async () => {
    const config = tempFile(
      "policy-config.json",
      JSON.stringify({ "alert-thresholds-within-org-limits": { enforcementLevel: "advisory" } }),
    );
    const { status, stdout } = await ionDeploy(
      "synth",
      "prod",
      "--config",
      prodWithErrorRate(0.05),
      "--policy-config",
      config,
    );
    expect(status).toBe(0);
    expect(stdout).toContain("ADVISORY  alert-thresholds-within-org-limits");
  });

  it("exits 1 on a policy config with a bad limit, before rendering anything", async () => {
    const config = tempFile(
      "policy-config.json",
      JSON.stringify({
        "alert-thresholds-within-org-limits": { stages: { prod: { errorRate: { rollbackAbove: 2 } } } },
      }),
    );
    const { status, stdout, stderr } = await ionDeploy("synth", "prod", "--policy-config", config);
    expect(status).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain("invalid policy config");
    expect(stderr).toContain("alert-thresholds-within-org-limits.stages.prod.errorRate.rollbackAbove");
  });

  it("exits 3 when prod's error-rate roll-back is 5%, naming the policy and the alert", async () => {
    const { status, stdout, stderr } = await real;
    expect(status).toBe(3);
    expect(stdout).toContain("MANDATORY  alert-thresholds-within-org-limits");
    expect(stdout).toContain('resource  gcp:monitoring/alertPolicy:AlertPolicy "prod-rollback-error-rate"');
    expect(stdout).toContain(
      "above 5% (declared > 0.05), looser than the organisation's limit for stage prod: 1%",
    );
    expect(stderr).toContain("policy check failed: 2 mandatory violation(s)");
    expect(stderr).toContain("alert-thresholds-within-org-limits on prod-rollback-error-rate");
  });
});
