import { describe, expect, it } from "vitest";
import { checkRandom } from "../../bench/draws";
import { drawCheck, maxChecksOf, type RunSpec, rulesOf, runRollout } from "../../bench/rollout-sim";
import { simulatedSides } from "../../bench/runner-path";
import { loadStageConfig, type StageConfig } from "../../src/config";
import { runRollout as runnerRollout } from "../../src/rollout/controller/runner";
import { withRule } from "../../src/rollout/core/backtest/with-rule";
import type { MetricsSource } from "../../src/rollout/edges/types";
import { fakeRun, T0 } from "../rollout/fakes";
import { localStoreStageFile } from "../rollout/fixtures";

/**
 * The bench's rollout simulator and the real runner (runRollout on fakes, in fake time) fed the
 * same draws check by check: every check gets the same decision (time, weight, action) and the
 * rollout the same outcome. So the bench's figures are what the runner decides.
 */

const LOADED = loadStageConfig("prod", localStoreStageFile("prod"));
/** Prod with a 20-minute step limit, so a step that times out does so in 20 checks (cheap). */
const PROD: StageConfig = { ...LOADED, rollout: { ...LOADED.rollout, maxStepSeconds: 1200 } };

/** The runner's metrics: the bench's draw for this check at the weight the fake platform serves. */
function benchDraws(
  cfg: StageConfig,
  spec: RunSpec,
  clock: () => number,
  weight: () => number,
): MetricsSource {
  return {
    description: "bench draws",
    sample: async () => {
      const check = Math.round((clock() - T0) / 1000 / spec.traffic.intervalSeconds);
      const w = weight();
      const counts = drawCheck(checkRandom(spec.seed, spec.run, check), w, spec.traffic, spec.drawRate);
      return { at: clock(), ...simulatedSides(cfg, counts, w), queries: {}, errors: [] };
    },
  };
}

async function runnerDecisions(cfg: StageConfig, spec: RunSpec) {
  const { options, events, time, driver } = fakeRun(cfg, { pollMs: 3_600_000 });
  options.metrics = benchDraws(cfg, spec, time.clock, () => driver.weight ?? 0);
  const result = await runnerRollout(options);
  const checks = events.flatMap((e) =>
    e.type === "check" ? [{ at: e.record.at, weight: e.record.weight, action: e.record.action }] : [],
  );
  return { outcome: result.outcome, checks };
}

function benchDecisions(cfg: StageConfig, rule: "current" | "runbook", spec: RunSpec) {
  const trace: NonNullable<RunSpec["trace"]> = [];
  const result = runRollout(rulesOf(PROD)[rule], { ...spec, trace });
  const outcome = { promoted: "promoted", reverted: "reverted", stalled: "held" }[result.outcome];
  // The runner records a timed-out step as a hold (prod's onStepTimeout) and stops there.
  const checks = trace.map((c) => ({
    ...c,
    action: c.action === "stall" ? cfg.rollout.onStepTimeout : c.action,
  }));
  return { outcome, checks };
}

const spec = (perMinute: number, rate: number, run: number): RunSpec => ({
  seed: 22,
  run,
  traffic: { perMinute, intervalSeconds: PROD.rollout.checkIntervalSeconds },
  drawRate: rate,
  rates: [],
  maxChecks: maxChecksOf(PROD),
});

describe("the bench's decision path is the runner's", () => {
  it.each([
    ["current", 60, 0, 1],
    ["current", 60, 0.2, 2],
    ["runbook", 300, 0.002, 3],
    ["runbook", 120, 0.03, 4],
  ] as const)(
    "%s rule, T = %d, canary at %d: same decision at every check",
    async (rule, perMinute, rate, run) => {
      const cfg = rule === "current" ? PROD : withRule(PROD, "runbook");
      const s = spec(perMinute, rate, run);
      const bench = benchDecisions(cfg, rule, s);
      const runner = await runnerDecisions(cfg, s);
      expect(bench.checks.length).toBeGreaterThanOrEqual(3);
      expect(runner.checks).toEqual(bench.checks);
      expect(runner.outcome).toBe(bench.outcome);
    },
  );

  it("the cases above span a step that times out, a revert and a promotion", () => {
    const outcome = (rule: "current" | "runbook", perMinute: number, rate: number, run: number) =>
      runRollout(rulesOf(PROD)[rule], spec(perMinute, rate, run)).outcome;
    const outcomes = [
      outcome("current", 60, 0, 1),
      outcome("current", 60, 0.2, 2),
      outcome("runbook", 300, 0.002, 3),
    ];
    expect(outcomes).toEqual(["stalled", "reverted", "promoted"]);
  });
});
