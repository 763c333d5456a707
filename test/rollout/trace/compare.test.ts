import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { backtest } from "../../../src/rollout/core/backtest";
import { compareBacktests } from "../../../src/rollout/core/compare";
import { RuleError, runbookLiteral, withRule } from "../../../src/rollout/core/with-rule";
import { formatComparison } from "../../../src/rollout/report/compare-text";
import { check, prod, ROOT } from "../fixtures";

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, "bin", "ion-rollout.cjs"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

// 15 canary requests per check with one error each (6.7%): the runbook's literal rule breaches
// every check, the evidence blocks pool 4 checks (60 requests) before judging.
const LOW = Array.from({ length: 20 }, (_, i) => check(60 * (i + 1), { requests: 15, errors: 1 }));

describe("withRule", () => {
  it("consecutive is the stage's analysis as configured today; runbook judges each check's raw rate", () => {
    const cfg = prod();
    expect(withRule(cfg, "consecutive")).toBe(cfg);
    const literal = runbookLiteral(cfg);
    expect(literal.thresholds.errorRate).toMatchObject({
      minRequests: 1,
      confidence: 0.5,
      rollbackAbove: 0.01,
      consecutive: 3,
    });
    expect(cfg.thresholds.errorRate.minRequests).toBe(50);
  });

  it("names the value it cannot build", () => {
    expect(() => withRule(prod(), "sequential")).toThrow(
      /--rule sequential: this build has no sequential analysis/,
    );
    expect(() => withRule(prod(), "strict")).toThrow(RuleError);
  });
});

describe("compareBacktests", () => {
  it("finds the first check where decisions part, both outcomes, the revert gap and the 5xx it cost", () => {
    const cfg = prod();
    const a = { label: "stage", result: backtest(cfg, LOW, 0) };
    const b = { label: "runbook", result: backtest(runbookLiteral(cfg), LOW, 0) };
    const c = compareBacktests(LOW, a, b);
    expect(c.b).toMatchObject({ outcome: "reverted", revertedAt: 180, endCheck: 3 });
    expect(c.a.outcome).toBe("reverted");
    const laterAt = c.a.revertedAt as number;
    expect(laterAt).toBeGreaterThan(180);
    // Both hold on OBSERVE until B's third breach: the first different decision is its revert.
    expect(c.divergence).toMatchObject({ check: 3, at: 180, b: { verdict: "NO-GO", action: "revert" } });
    expect(c.earlierRevert).toBe("b");
    expect(c.revertGapSeconds).toBe(laterAt - 180);
    // One 5xx per check after B's revert up to and including A's.
    expect(c.failedRequestsLetThrough).toBe((laterAt - 180) / 60);
    const text = formatComparison(c);
    expect(text).toContain(`B runbook  reverted at 180 s (check 3)`);
    expect(text).toContain("first divergence: check 3 at 180 s");
    expect(text).toContain(
      `B reverts ${laterAt - 180} s earlier; A's later revert let through ${(laterAt - 180) / 60} failed canary requests`,
    );
  });

  it("a rule that never reverts is charged the 5xx to the end of the trace; same decisions print as such", () => {
    const reverting = { label: "x", result: backtest(runbookLiteral(prod()), LOW, 0) };
    const never = { label: "y", result: { outcome: "incomplete" as const, revertedAt: null, decisions: [] } };
    const c = compareBacktests(LOW, never, reverting);
    expect(c.revertGapSeconds).toBeNull();
    expect(c.failedRequestsLetThrough).toBe(17);
    expect(formatComparison(c)).toContain("B reverts; A never does: 17 failed canary requests");
    expect(formatComparison(compareBacktests(LOW, reverting, reverting))).toContain(
      "same decision at every check.",
    );
  });
});

describe("ion-rollout backtest --compare / --rule (CLI)", () => {
  const trace = join("test", "traces", "low-traffic-degraded.json");

  it("--rule runbook prints the divergence; --json has the fields", () => {
    const text = cli("backtest", trace, "--stage", "prod", "--rule", "runbook");
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("first divergence: check 3 at 120 s");
    const json = cli("backtest", trace, "--stage", "prod", "--rule", "runbook", "--json");
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({
      checks: 60,
      earlierRevert: "b",
      revertGapSeconds: 540,
      failedRequestsLetThrough: 6,
    });
    expect(parsed.a.revertedAt).toBe(660);
    expect(parsed.b.revertedAt).toBe(120);
  });

  it("--compare takes two config files; the same file twice never diverges", () => {
    const r = cli("backtest", trace, "--stage", "prod", "--compare", "Pulumi.prod.yaml", "Pulumi.prod.yaml");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("same decision at every check.");
    const one = cli("backtest", trace, "--stage", "prod", "--compare", "Pulumi.prod.yaml");
    expect(one.code).toBe(1);
    expect(one.stderr).toContain("--compare takes two config files (A B); got 1");
    const both = cli(
      "backtest",
      trace,
      "--stage",
      "prod",
      "--compare",
      "Pulumi.prod.yaml",
      "Pulumi.prod.yaml",
      "--rule",
      "runbook",
    );
    expect(both.stderr).toContain("--compare and --rule exclude each other");
  });
});
