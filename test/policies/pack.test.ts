import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_POLICIES } from "../../policies/all";

const ROOT = resolve(__dirname, "../..");

describe("policies/index.ts, the pack the Pulumi CLI runs", () => {
  it("builds a PolicyPack from every policy and starts its analyzer server (prints the port)", async () => {
    // The pack's server runs until killed, as under `pulumi preview`: read its port, then stop it.
    const child = spawn(process.execPath, ["--require", "tsx/cjs", "policies/index.ts"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    try {
      const firstLine = await new Promise<string>((done, fail) => {
        let stdout = "";
        child.stdout.on("data", (chunk) => {
          stdout += chunk;
          if (stdout.includes("\n")) done(stdout.split("\n")[0] ?? "");
        });
        child.on("exit", (code) => fail(new Error(`pack exited ${code}: ${stderr}`)));
      });
      expect(firstLine).toMatch(/^\d+$/);
      expect(stderr).not.toMatch(/enforcementLevel cannot/);
    } finally {
      child.kill();
    }
  });

  it("holds 18 uniquely named policies, each with a description, a default level and remediation steps", () => {
    // Every policy blocks a `pulumi up` unless an organisation's pack config says otherwise.
    expect(Object.fromEntries(ALL_POLICIES.map((policy) => [policy.name, policy.enforcementLevel]))).toEqual({
      "alert-thresholds-within-org-limits": "mandatory",
      "alerts-notify-a-channel": "mandatory",
      "rollback-signals-have-alerts": "mandatory",
      "target-groups-have-alarms": "mandatory",
      "traffic-weights-sum-to-100": "mandatory",
      "canary-within-first-step-unless-rolling-out": "mandatory",
      "canary-revision-tagged": "mandatory",
      "cloud-run-invoker-public-only-if-declared": "mandatory",
      "gcs-buckets-private": "mandatory",
      "documentdb-encrypted": "mandatory",
      "elasticache-encrypted": "mandatory",
      "s3-encrypted": "mandatory",
      "no-public-ingress-except-load-balancer": "mandatory",
      "no-ssh-ingress": "mandatory",
      "alb-listeners-https-modern-tls": "mandatory",
      "ecr-scan-on-push": "mandatory",
      "production-databases-protected": "mandatory",
      "alb-test-listener-restricted": "mandatory",
    });
    expect(ALL_POLICIES).toHaveLength(18);
    for (const policy of ALL_POLICIES) {
      // A sentence of its own (not the name again), and steps to fix a violation.
      expect(policy.description, policy.name).toMatch(/^[A-Z][^\n]* [^\n]*\.$/);
      expect(policy.description.toLowerCase(), policy.name).not.toContain(policy.name);
      expect(policy.remediationSteps?.trim(), policy.name).not.toBe("");
    }
  });
});
