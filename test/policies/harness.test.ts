import type { ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { NoSettingsSchema } from "../../policies/config";
import { type IonPolicy, resourcePolicy, stackPolicy } from "../../policies/define";
import { runPolicies } from "../../policies/harness";
import { formatPolicyReport } from "../../policies/report";
import { renderCommitted } from "./fixtures";

const base = {
  description: "probe",
  enforcementLevel: "mandatory" as const,
  severity: "low" as const,
  remediationSteps: "none",
  settings: NoSettingsSchema,
};

describe("the in-process harness", () => {
  it("gives a resource policy the engine's arguments: URN with parent types, parent option, stack tags, isType, config", async () => {
    const seen: ResourceValidationArgs[] = [];
    const probe: IonPolicy = {
      ...base,
      name: "probe",
      validateResource: (args) => {
        if (args.type === "gcp:cloudrunv2/service:Service") seen.push(args);
      },
    };
    await runPolicies(await renderCommitted("prod"), {
      policies: [probe],
      config: { probe: { enforcementLevel: "advisory", answer: 42 } },
    });
    expect(seen).toHaveLength(1);
    const args = seen[0] as ResourceValidationArgs;
    expect(args.urn).toBe(
      "urn:pulumi:prod::ion-deploy::ion-deploy:gcp:GcpStage$ion-deploy:gcp:CanaryRevisions$gcp:cloudrunv2/service:Service::ion-api",
    );
    expect(args.opts.parent).toBe(
      "urn:pulumi:prod::ion-deploy::ion-deploy:gcp:GcpStage$ion-deploy:gcp:CanaryRevisions::ion-api",
    );
    expect(args.name).toBe("ion-api");
    expect(args.props.labels).toMatchObject({ "ion-stage": "prod" });
    expect(args.stackTags.get("pulumi:project")).toBe("ion-deploy");
    expect(args.isType({ __pulumiType: "gcp:cloudrunv2/service:Service" } as never)).toBe(true);
    expect(args.isType({ __pulumiType: "aws:s3/bucket:Bucket" } as never)).toBe(false);
    expect(args.getConfig()).toEqual({ answer: 42 });
  });

  it("links stack resources by what their inputs reference (parents, property dependencies, provider)", async () => {
    let stack: StackValidationArgs | undefined;
    const probe = stackPolicy({ ...base, name: "probe" }, (_resources, _settings, _report, args) => {
      stack = args;
    });
    await runPolicies(await renderCommitted("staging"), { policies: [probe] });
    const listener = stack?.resources.find((resource) => resource.name === "staging-alb-https");
    expect(listener?.parent?.type).toBe("ion-deploy:aws:WeightedLoadBalancer");
    expect(listener?.propertyDependencies.loadBalancerArn?.map((dep) => dep.name)).toEqual(["staging-alb"]);
    expect(listener?.propertyDependencies.defaultActions?.map((dep) => dep.name).sort()).toEqual([
      "staging-alb-blue",
      "staging-alb-green",
    ]);
    expect(listener?.provider?.type).toBe("pulumi:providers:aws");
  });

  it("counts a policy whose every call says notApplicable as not applicable, not passed", async () => {
    const probe = resourcePolicy({ ...base, name: "probe" }, "aws:no/such:Thing", () => undefined);
    const run = await runPolicies(await renderCommitted("prod"), { policies: [probe] });
    expect(run.outcomes).toEqual([
      { policy: "probe", enforcementLevel: "mandatory", status: "not-applicable" },
    ]);
    expect(formatPolicyReport(run)).toContain("not applicable (1): probe");
  });

  it("fails loudly, naming the policy and the resource, when a policy throws", async () => {
    const broken: IonPolicy = {
      ...base,
      name: "broken",
      validateResource: (args) => {
        if (args.type === "gcp:cloudrunv2/service:Service") throw new Error("boom");
      },
    };
    await expect(runPolicies(await renderCommitted("prod"), { policies: [broken] })).rejects.toThrow(
      'policy broken failed on gcp:cloudrunv2/service:Service "ion-api": boom',
    );
  });

  it("reports a violation with its level, resource and message, mandatory first", async () => {
    const advisory = resourcePolicy(
      { ...base, name: "advisory-probe", enforcementLevel: "advisory" },
      "gcp:cloudrunv2/service:Service",
      (_props, _settings, report) => report("advice"),
    );
    const mandatory = resourcePolicy(
      { ...base, name: "mandatory-probe" },
      "gcp:cloudrunv2/service:Service",
      (_props, _settings, report) => report("must fix. Fix: do it."),
    );
    const run = await runPolicies(await renderCommitted("prod"), { policies: [advisory, mandatory] });
    expect(run.mandatory).toEqual([
      {
        policy: "mandatory-probe",
        enforcementLevel: "mandatory",
        resource: {
          type: "gcp:cloudrunv2/service:Service",
          name: "ion-api",
          urn: expect.stringMatching(/::ion-api$/),
        },
        message: 'Service "ion-api": must fix. Fix: do it.',
      },
    ]);
    const report = formatPolicyReport(run);
    expect(report.indexOf("MANDATORY  mandatory-probe")).toBeLessThan(
      report.indexOf("ADVISORY  advisory-probe"),
    );
    expect(report).toContain("result: 1 mandatory, 1 advisory violation(s)");
  });
});
