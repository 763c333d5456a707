import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./fixtures";

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, "bin", "ion-rollout.cjs"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The prod stack judged by the runbook's literal rule: these traces pin `analysis: consecutive`. */
const CONSECUTIVE = join(mkdtempSync(join(tmpdir(), "ion-backtest-")), "Pulumi.prod.yaml");
writeFileSync(
  CONSECUTIVE,
  readFileSync(join(ROOT, "Pulumi.prod.yaml"), "utf8").replace(
    "  ion-deploy:rollout:\n",
    "  ion-deploy:rollout:\n    analysis: consecutive\n",
  ),
);

const trace = (name: string) => join("test", "traces", `${name}.json`);

function backtestJson(name: string) {
  const r = cli("backtest", trace(name), "--stage", "prod", "--config", CONSECUTIVE, "--json");
  return { ...r, result: JSON.parse(r.stdout) };
}

describe("ion-rollout backtest (committed traces, prod thresholds)", () => {
  it("three consecutive 2% checks at adequate traffic revert at the third", () => {
    const { code, result } = backtestJson("adequate-traffic-three-2pct");
    expect(code).toBe(2);
    expect(result.outcome).toBe("reverted");
    expect(result.revertedAt).toBe(360);
    expect(result.decisions.map((d: { verdict: string }) => d.verdict).slice(4)).toEqual([
      "OBSERVE",
      "OBSERVE",
      "NO-GO",
    ]);
    const last = result.decisions.at(-1);
    expect(last).toMatchObject({ action: "revert", step: 1, weight: 5 });
    expect(Object.keys(result)).toEqual(["outcome", "revertedAt", "decisions"]);
    const error = last.signals.find((s: { signal: string }) => s.signal === "errorRate");
    expect(error).toMatchObject({
      value: 0.02,
      sampleSize: 5000,
      counter: 3,
      threshold: { rollbackAbove: 0.01, consecutive: 3 },
    });
  });

  it("low-traffic healthy (one unlucky error) promotes", () => {
    const { code, result } = backtestJson("low-traffic-healthy");
    expect(code).toBe(0);
    expect(result.outcome).toBe("promoted");
    expect(result.decisions.some((d: { verdict: string }) => d.verdict === "NO-GO")).toBe(false);
  });

  it("low-traffic degraded (5% at 15 requests per check) reverts", () => {
    const { code, result } = backtestJson("low-traffic-degraded");
    expect(code).toBe(2);
    expect(result.outcome).toBe("reverted");
    expect(result.revertedAt).toBeLessThanOrEqual(720);
  });

  it("missing metrics are inconclusive and revert after 3 in a row", () => {
    const { result } = backtestJson("missing-metrics");
    expect(result.outcome).toBe("reverted");
    expect(result.decisions.slice(3).map((d: { verdict: string }) => d.verdict)).toEqual([
      "INCONCLUSIVE",
      "INCONCLUSIVE",
      "INCONCLUSIVE",
    ]);
  });

  it("waiting for evidence: OBSERVE until 200 requests at the step, then advance", () => {
    const { code, result } = backtestJson("waiting-for-evidence");
    expect(code).toBe(3);
    expect(result.outcome).toBe("incomplete");
    const i = result.decisions.findIndex((d: { action: string }) => d.action === "advance");
    expect(result.decisions[i]).toMatchObject({
      at: 1140,
      verdict: "GO",
      bake: { requests: 200, minRequests: 200 },
    });
    const waiting = result.decisions
      .slice(0, i)
      .filter((d: { reasons: string[] }) => d.reasons.some((r) => r.startsWith("waiting for evidence")));
    expect(waiting.length).toBe(i);
    expect(waiting.every((d: { verdict: string }) => d.verdict === "OBSERVE")).toBe(true);
  });

  it("text output names the outcome; a bad trace or config exits 1", () => {
    const text = cli(
      "backtest",
      trace("adequate-traffic-three-2pct"),
      "--stage",
      "prod",
      "--config",
      CONSECUTIVE,
    );
    expect(text.stdout).toContain("outcome: reverted at 360s");
    const bad = cli("backtest", "package.json", "--stage", "prod");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("invalid trace");
    const badConfig = cli("backtest", trace("missing-metrics"), "--stage", "nope");
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toContain("invalid stage config");
  });
});

describe("ion-rollout plan", () => {
  it("plan prod prints the 5-step schedule with the runbook thresholds", () => {
    const { code, stdout } = cli("plan", "prod");
    expect(code).toBe(0);
    expect(stdout).toMatch(/Steps \(5\)/);
    for (const weight of ["5%", "10%", "25%", "50%", "100%"]) expect(stdout).toContain(weight);
    expect(stdout).toContain("roll back > 1% for 3 checks in a row; GO <= 0.5%");
    expect(stdout).toContain("roll back > 500 ms for 3 checks in a row; GO <= 200 ms");
    expect(stdout).toContain("roll back > 85% for 2 checks in a row; GO <= 85%");
    expect(stdout).toContain("GO <= 80%");
    expect(stdout).toContain("Nothing was applied");
  });
  it("--help has examples", () => {
    const { stdout } = cli("--help");
    expect(stdout).toContain("Examples:");
    expect(stdout).toContain("Exit codes");
  });
});
