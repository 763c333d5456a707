import { describe, expect, it } from "vitest";
import { parseStageConfig, readStageFile } from "../../src/config";
import { runtimeServiceAccountEmail } from "../../src/config/runtime-account";
import { ACT_AS_ROLE } from "../../src/gcp/runtime-identity";
import { renderStage } from "../../src/synth/render";

const DEPLOYER = "serviceAccount:ci-deployer@internal-ai-innovation.iam.gserviceaccount.com";

function prodWith(gcp: Record<string, unknown>) {
  const raw = readStageFile("prod").raw;
  return parseStageConfig("prod", { ...raw, gcp: { ...(raw.gcp as object), ...gcp } });
}

describe("the Cloud Run runtime identity", () => {
  it("revisions run as a dedicated service account, created before the service, and each deployer may act as it", async () => {
    const cfg = prodWith({ deployers: [DEPLOYER] });
    const rendered = await renderStage(cfg);
    const index = (type: string) => rendered.resources.findIndex((r) => r.type === type);
    const account = rendered.resources.find((r) => r.type === "gcp:serviceaccount/account:Account");
    const email = `${account?.inputs.accountId}@${cfg.gcp?.project}.iam.gserviceaccount.com`;
    expect(email).toBe(runtimeServiceAccountEmail(cfg));
    const service = rendered.resources.find((r) => r.type === "gcp:cloudrunv2/service:Service");
    const template = (service?.inputs.template ?? {}) as { serviceAccount?: string };
    expect(template.serviceAccount).toBe(email);
    expect(index("gcp:serviceaccount/account:Account")).toBeLessThan(index("gcp:cloudrunv2/service:Service"));
    const grants = rendered.resources.filter((r) => r.type === "gcp:serviceaccount/iAMMember:IAMMember");
    expect(grants.map((g) => ({ role: g.inputs.role, member: g.inputs.member }))).toEqual([
      { role: ACT_AS_ROLE, member: DEPLOYER },
    ]);
    expect(grants[0]?.inputs.serviceAccountId).toContain(email);
  });

  it("a deployer that is not an IAM member is refused with the key named", () => {
    expect(() => prodWith({ deployers: ["ci-deployer"] })).toThrow(/deployers/);
  });
});
