import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareBacktests } from "../../../src/rollout/core/backtest/compare";
import { backtest } from "../../../src/rollout/core/backtest/replay";
import { RULES, RuleError, runbookLiteral, withRule } from "../../../src/rollout/core/backtest/with-rule";
import { formatComparison } from "../../../src/rollout/report/compare-text";
import { builtIonRollout } from "../../support/built-cli";
import { check, consecutive, prod, prodWith, ROOT } from "../fixtures";

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [builtIonRollout(), ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

// 15 canary requests per check with one error each (6.7%). How each rule judges it, worked out
// from the rules, not read off the code:
// - runbook (each check's raw rate > 1%, 3 in a row): checks 1, 2, 3 breach: revert at check 3, 180 s.
// - consecutive (blocks pooled to minRequests 50 = 4 checks, 4/60; one-sided 95% Wilson lower
//   bound 3.0% > 1%, so every block breaches; 3 blocks in a row): revert at check 12, 720 s.
// - sequential (prod: p0 0.5%, alternatives 2.1% / 10% weighted 0.85 / 0.15, revert at E >= 4000):
//   E(S errors in N) = 0.85 (0.021/0.005)^S (0.979/0.995)^(N-S) + 0.15 (0.1/0.005)^S (0.9/0.995)^(N-S)
//   is 3.6, 13, 50, 194, 784, 3292 after checks 1..6 (k/15k) and 14 291 after check 7 (7/105):
//   revert at check 7, 420 s (the change-point bar at this traffic is higher, ~10^5, so it does not
//   revert earlier).
const LOW = Array.from({ length: 20 }, (_, i) => check(60 * (i + 1), { requests: 15, errors: 1 }));

describe("withRule", () => {
  it("sequential and consecutive set rollout.analysis; runbook judges each check's raw rate, N in a row", () => {
    const cfg = prod();
    expect(cfg.rollout.analysis).toBe("sequential");
    expect(withRule(cfg, "consecutive").rollout.analysis).toBe("consecutive");
    expect(withRule(consecutive(cfg), "sequential").rollout.analysis).toBe("sequential");
    expect(withRule(cfg, "consecutive").thresholds).toEqual(cfg.thresholds);
    const literal = runbookLiteral(cfg);
    expect(withRule(cfg, "runbook")).toEqual(literal);
    expect(literal.rollout.analysis).toBe("consecutive");
    expect(literal.thresholds.errorRate).toMatchObject({
      minRequests: 1,
      confidence: 0.5,
      rollbackAbove: 0.01,
      consecutive: 3,
    });
    // The given config is never touched.
    expect(cfg.thresholds.errorRate.minRequests).toBe(50);
    expect(cfg.rollout.analysis).toBe("sequential");
  });

  it("names the value it cannot build, and the rules it can", () => {
    expect(() => withRule(prod(), "strict")).toThrow(RuleError);
    expect(() => withRule(prod(), "strict")).toThrow(
      "--rule strict: unknown rule; use one of sequential, consecutive, runbook",
    );
    expect(RULES).toEqual(["sequential", "consecutive", "runbook"]);
  });
});

describe("compareBacktests", () => {
  it("finds the first check where decisions part, both outcomes, the revert gap and the 5xx it cost", () => {
    const cfg = prod();
    const a = { label: "stage", result: backtest(cfg, LOW, 0) };
    const b = { label: "runbook", result: backtest(runbookLiteral(cfg), LOW, 0) };
    const c = compareBacktests(LOW, a, b);
    expect(c.b).toMatchObject({ outcome: "reverted", revertedAt: 180, endCheck: 3 });
    expect(c.a).toMatchObject({ outcome: "reverted", revertedAt: 420, endCheck: 7 });
    // Both hold on OBSERVE until B's third breach (A's E is 50 there): the first different decision is its revert.
    expect(c.divergence).toMatchObject({
      check: 3,
      at: 180,
      a: { verdict: "OBSERVE", action: "hold" },
      b: { verdict: "NO-GO", action: "revert" },
    });
    expect(c.earlierRevert).toBe("b");
    expect(c.revertGapSeconds).toBe(240);
    // One 5xx per check after B's revert up to and including A's: checks 4..7.
    expect(c.failedRequestsLetThrough).toBe(4);
    const text = formatComparison(c);
    expect(text).toContain("B runbook  reverted at 180 s (check 3)");
    expect(text).toContain("A stage    reverted at 420 s (check 7)");
    expect(text).toContain("first divergence: check 3 at 180 s");
    expect(text).toContain("B reverts 240 s earlier; A's later revert let through 4 failed canary requests");
  });

  it("sequential against consecutive: they part where the evidence crosses its bar, check 7", () => {
    // A step minimum past these checks' 105 requests, so only the evidence parts the two rules.
    const cfg = prodWith({ rollout: { minRequestsPerStep: 200 } });
    const c = compareBacktests(
      LOW,
      { label: "sequential", result: backtest(withRule(cfg, "sequential"), LOW, 0) },
      { label: "consecutive", result: backtest(withRule(cfg, "consecutive"), LOW, 0) },
    );
    expect(c.a).toMatchObject({ outcome: "reverted", revertedAt: 420, endCheck: 7 });
    expect(c.b).toMatchObject({ outcome: "reverted", revertedAt: 720, endCheck: 12 });
    expect(c.divergence).toMatchObject({ check: 7, at: 420, a: { verdict: "NO-GO", action: "revert" } });
    expect(c.divergence?.b).toMatchObject({ action: "hold" });
    expect(c).toMatchObject({ earlierRevert: "a", revertGapSeconds: 300, failedRequestsLetThrough: 5 });
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

  // The committed trace: 15 requests per check, errors 1,1,1,0,1,1,1,0,1,1,1,0,… (5%). Worked out
  // from the rules: runbook reverts at check 3 (120 s: three raw rates of 6.7%); prod's sequential
  // analysis at check 10 (540 s: cumulative 8/150 gives E = 10 724 >= 4 000, after 7/135 gave
  // 2 967); consecutive at check 12 (660 s: blocks of checks 1-4, 5-8, 9-12 at 3/60 each, Wilson
  // lower bound 2.0% > 1%, three in a row). 5xx between 120 s and 540 s (checks 4..10): 5; between
  // 540 s and 660 s (checks 11, 12): 1.
  it("--rule runbook prints the divergence; --json has the fields", () => {
    const text = cli("backtest", trace, "--stage", "prod", "--rule", "runbook");
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("first divergence: check 3 at 120 s");
    const json = cli("backtest", trace, "--stage", "prod", "--rule", "runbook", "--json");
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({
      checks: 60,
      earlierRevert: "b",
      revertGapSeconds: 420,
      failedRequestsLetThrough: 5,
    });
    expect(parsed.a.revertedAt).toBe(540);
    expect(parsed.b.revertedAt).toBe(120);
  });

  it("--rule consecutive parts from the stage's sequential analysis where its evidence crosses the bar; --rule sequential never", () => {
    const c = cli("backtest", trace, "--stage", "prod", "--rule", "consecutive", "--json");
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({
      a: { revertedAt: 540 },
      b: { revertedAt: 660 },
      // Check 4 (180 s): the prod step minimum (50 requests) is met, the sequential rule says GO
      // while the consecutive one still pools its first block.
      divergence: { check: 4, at: 180 },
      earlierRevert: "a",
      revertGapSeconds: 120,
      failedRequestsLetThrough: 1,
    });
    const s = cli("backtest", trace, "--stage", "prod", "--rule", "sequential");
    expect(s.code).toBe(0);
    expect(s.stdout).toContain("same decision at every check.");
    const bad = cli("backtest", trace, "--stage", "prod", "--rule", "strict");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--rule strict: unknown rule; use one of sequential, consecutive, runbook");
    const help = cli("backtest", "--help");
    for (const rule of RULES) expect(help.stdout).toContain(rule);
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
