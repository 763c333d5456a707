import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommanderError } from "commander";
import { beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/ion-rollout";
import { backtestCommand } from "../../src/rollout/commands/backtest";
import { planCommand } from "../../src/rollout/commands/plan";
import { spawnBin } from "../support/spawn-bin";
import { ROOT } from "./fixtures";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The prod stack judged by the runbook's literal rule: these traces pin `analysis: consecutive`. */
const CONSECUTIVE = join(mkdtempSync(join(tmpdir(), "ion-backtest-")), "Pulumi.prod.yaml");
writeFileSync(
  CONSECUTIVE,
  // The committed traces were cut around a 200-request step minimum (prod's is 50).
  readFileSync(join(ROOT, "Pulumi.prod.yaml"), "utf8")
    .replace("  ion-deploy:rollout:\n", "  ion-deploy:rollout:\n    analysis: consecutive\n")
    .replace("    minRequestsPerStep: 50\n", "    minRequestsPerStep: 200\n"),
);

/** The real bin, once in this file: its exit code and streams for a backtest. */
async function spawned(...args: string[]): Promise<Run> {
  const { status: code, stdout, stderr } = await spawnBin("bin/ion-rollout.cjs", args);
  return { code, stdout, stderr };
}

/** The command functions the CLI registers, in this process, with buffered streams. */
async function buffered(
  run: (io: { out: (t: string) => void; err: (t: string) => void }) => number | Promise<number>,
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await run({
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

const backtest = (tracePath: string, options: { stage: string; config?: string; json?: boolean }) =>
  buffered((io) => backtestCommand(tracePath, options, io));

const trace = (name: string) => join("test", "traces", `${name}.json`);

async function backtestJson(name: string) {
  const r = await backtest(trace(name), { stage: "prod", config: CONSECUTIVE, json: true });
  return { ...r, result: JSON.parse(r.stdout) };
}

describe("ion-rollout backtest (committed traces, prod thresholds)", () => {
  // The one spawn of this file, started first so it runs beside the in-process tests.
  let real: Promise<Run>;
  beforeAll(() => {
    real = spawned(
      "backtest",
      trace("adequate-traffic-three-2pct"),
      "--stage",
      "prod",
      "--config",
      CONSECUTIVE,
      "--json",
    );
  });

  it("three consecutive 2% checks at adequate traffic revert at the third (the real bin)", async () => {
    const run = await real;
    const { code, result } = { ...run, result: JSON.parse(run.stdout) };
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

  it("low-traffic healthy (one unlucky error) promotes", async () => {
    const { code, result } = await backtestJson("low-traffic-healthy");
    expect(code).toBe(0);
    expect(result.outcome).toBe("promoted");
    expect(result.decisions.some((d: { verdict: string }) => d.verdict === "NO-GO")).toBe(false);
  });

  it("low-traffic degraded (5% at 15 requests per check) reverts", async () => {
    const { code, result } = await backtestJson("low-traffic-degraded");
    expect(code).toBe(2);
    expect(result.outcome).toBe("reverted");
    // 15 requests per check, judged in blocks of at least 50: the third breaching block in a row reverts.
    expect(result.revertedAt).toBe(660);
    expect(result.decisions.at(-1).reasons[0]).toBe(
      "errorRate: 5% (3/60); 95%-confidence lower bound 2.016% > 1% (3/3 in a row, blocks)",
    );
  });

  it("missing metrics are inconclusive and revert after 3 in a row", async () => {
    const { result } = await backtestJson("missing-metrics");
    expect(result.outcome).toBe("reverted");
    expect(result.decisions.slice(3).map((d: { verdict: string }) => d.verdict)).toEqual([
      "INCONCLUSIVE",
      "INCONCLUSIVE",
      "INCONCLUSIVE",
    ]);
  });

  it("waiting for evidence: OBSERVE until 200 requests at the step, then advance", async () => {
    const { code, result } = await backtestJson("waiting-for-evidence");
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

  it("text output names the outcome; a bad trace or config exits 1", async () => {
    const text = await backtest(trace("adequate-traffic-three-2pct"), { stage: "prod", config: CONSECUTIVE });
    expect(text.stdout).toContain("outcome: reverted at 360s");
    const bad = await backtest("package.json", { stage: "prod" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("invalid trace");
    const badConfig = await backtest(trace("missing-metrics"), { stage: "nope" });
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toContain("invalid stage config");
  });
});

describe("ion-rollout plan", () => {
  it("plan prod prints the 5-step schedule with the runbook thresholds", async () => {
    const { code, stdout } = await buffered((io) => planCommand("prod", {}, io));
    expect(code).toBe(0);
    expect(stdout).toMatch(/Steps \(5\)/);
    for (const weight of ["5%", "10%", "25%", "50%", "100%"]) expect(stdout).toContain(weight);
    expect(stdout).toContain("roll back > 1% for 3 checks in a row; GO <= 0.5%");
    expect(stdout).toContain("roll back > 500 ms for 3 checks in a row; GO <= 200 ms");
    expect(stdout).toContain("roll back > 85% for 2 checks in a row; GO <= 85%");
    expect(stdout).toContain("GO <= 80%");
    expect(stdout).toContain("Nothing was applied");
  });
  it("--help has examples", async () => {
    let stdout = "";
    const program = buildProgram().configureOutput({
      writeOut: (text) => {
        stdout += text;
      },
    });
    const error = await program.parseAsync(["--help"], { from: "user" }).catch((e) => e);
    expect(error).toBeInstanceOf(CommanderError);
    expect(error.code).toBe("commander.helpDisplayed");
    expect(stdout).toContain("Examples:");
    expect(stdout).toContain("Exit codes");
  });
});
