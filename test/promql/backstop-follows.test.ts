import { describe, expect, it } from "vitest";
import type { StageConfig } from "../../src/config";
import { revisionNames } from "../../src/config/cloud-run-revision-names";
import { rollbackRules } from "../../src/signals";
import { prod } from "../rollout/fixtures";
import { promtool } from "./promtool";
import { breachTest, RULES_FILE, rulesFile, TEST_FILE, testFile } from "./suites";

/**
 * The backstop alerts (alert policies, GlobalRules) are deployed by a full `pulumi up`; the
 * runner's targeted `up` leaves them alone. So the rules deployed before a release must fire for
 * the canary the runner deploys afterwards: the real Prometheus rule engine evaluates the rules
 * of the last full `up` against series of a new canary revision.
 */
describe("backstop alerts follow what is deployed", () => {
  const deployed = prod();
  const rolling: StageConfig = {
    ...deployed,
    rolloutInProgress: true,
    canaryWeight: 5,
    releases: {
      stable: deployed.releases.canary,
      canary: {
        name: "ion-api-v1-6-0",
        image: "us-central1-docker.pkg.dev/internal-ai-innovation/ion/ion-api:1.6.0",
      },
    },
  };

  it("the new canary is a revision the deployed rules never named", () => {
    const before = JSON.stringify(rulesFile(deployed));
    expect(before).not.toContain(revisionNames(rolling).canary);
  });

  it("each deployed rule fires for the new canary revision during a runner-driven rollout", () => {
    const tests = rollbackRules(deployed).map((rule) => breachTest(rolling, rule));
    const result = promtool(["test", "rules", TEST_FILE], {
      [RULES_FILE]: rulesFile(deployed),
      [TEST_FILE]: testFile(rolling, tests),
    });
    expect(result.output).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });
});
