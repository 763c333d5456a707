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

  it("holds 16 uniquely named policies, each with a description, a default level and remediation steps", () => {
    expect(ALL_POLICIES).toHaveLength(17);
    for (const policy of ALL_POLICIES) {
      expect(policy.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(policy.description.length, policy.name).toBeGreaterThan(40);
      expect(["advisory", "mandatory"]).toContain(policy.enforcementLevel);
      expect(policy.remediationSteps, policy.name).toBeTruthy();
    }
  });
});
