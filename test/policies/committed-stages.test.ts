import { describe, expect, it } from "vitest";
import { ALL_POLICIES } from "../../policies/all";
import { formatPolicyReport } from "../../policies/report";
import { check, render, renderCommitted, stageWith } from "./fixtures";

/** The pack's run over each committed stage, once for the whole file. */
const committedRuns = new Map<"prod" | "staging", ReturnType<typeof check>>();
function checkCommitted(stage: "prod" | "staging"): ReturnType<typeof check> {
  let run = committedRuns.get(stage);
  if (!run) {
    run = renderCommitted(stage).then(check);
    committedRuns.set(stage, run);
  }
  return run;
}

describe("the committed stages under the real pack", () => {
  for (const stage of ["prod", "staging"] as const) {
    it(`Pulumi.${stage}.yaml passes every policy: no violation, mandatory or advisory`, async () => {
      const run = await checkCommitted(stage);
      expect(run.violations, formatPolicyReport(run)).toEqual([]);
      expect(run.mandatory).toEqual([]);
      expect(run.outcomes).toHaveLength(ALL_POLICIES.length);
      expect(formatPolicyReport(run)).toContain("result: clean, no violations");
    });
  }

  it("a retired old side (canaryWeight 100, oldSideRetired) breaks no mandatory policy in either stage", async () => {
    const retired = { canaryWeight: 100, oldSideRetired: true };
    for (const config of [
      stageWith("prod", retired),
      stageWith("prod", { ...retired, gcp: { mode: "services" } }),
      stageWith("staging", retired),
    ]) {
      const run = await check(await render(config));
      expect(run.mandatory, formatPolicyReport(run)).toEqual([]);
    }
  });

  it("between the two stages every policy finds something of its kind to judge", async () => {
    const statuses = new Map<string, string[]>();
    for (const stage of ["prod", "staging"] as const) {
      const run = await checkCommitted(stage);
      for (const outcome of run.outcomes) {
        statuses.set(outcome.policy, [...(statuses.get(outcome.policy) ?? []), outcome.status]);
      }
    }
    const neverApplied = [...statuses].filter(([, seen]) => !seen.includes("passed")).map(([name]) => name);
    expect(neverApplied).toEqual([]);
  });

  it("prod is judged by the GCP and Kubernetes alerts, staging by its CloudWatch alarms and AWS resources", async () => {
    const prod = await checkCommitted("prod");
    const staging = await checkCommitted("staging");
    const passed = (run: typeof prod) =>
      run.outcomes.filter((outcome) => outcome.status === "passed").map((outcome) => outcome.policy);
    expect(passed(prod)).toEqual(
      expect.arrayContaining([
        "alert-thresholds-within-org-limits",
        "canary-revision-tagged",
        "cloud-run-invoker-public-only-if-declared",
        "gcs-buckets-private",
      ]),
    );
    expect(passed(staging)).toEqual(
      expect.arrayContaining(["target-groups-have-alarms", "documentdb-encrypted", "no-ssh-ingress"]),
    );
  });
});
