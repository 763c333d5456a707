import { describe, expect, it } from "vitest";
import { runnerPathRule, simulatedSides } from "../../bench/runner-path";
import {
  PATTERN_CHECKS,
  PATTERNS,
  type PatternRunOptions,
  patternCounts,
  patternRevertCheck,
  patternStage,
} from "../../bench/traffic-patterns";
import { loadStageConfig, type StageConfig } from "../../src/config";
import { runRollout } from "../../src/rollout/controller/runner";
import type { MetricsSource } from "../../src/rollout/edges/types";
import { fakeRun, T0 } from "../rollout/fakes";
import { localStoreStageFile } from "../rollout/fixtures";

/**
 * `npm run bench:traffic` judges each traffic pattern through bench/traffic-patterns.ts; here the
 * real runner (runRollout on fakes, in fake time) gets the same draws check by check, with the
 * pattern's traffic declared and not: every check gets the same decision. So the bench's false
 * reverts by pattern are what the runner does, including its choice of rule per check.
 */

const PROD = loadStageConfig("prod", localStoreStageFile("prod"));
const [, DIURNAL, BURSTY] = PATTERNS;
if (!DIURNAL || !BURSTY) throw new Error("bench/traffic-patterns.ts lists diurnal and bursty traffic");

function patternDraws(cfg: StageConfig, o: PatternRunOptions, clock: () => number): MetricsSource {
  return {
    description: "bench traffic-pattern draws",
    sample: async () => {
      const t = Math.round((clock() - T0) / 1000 / cfg.rollout.checkIntervalSeconds);
      const counts = patternCounts(o.pattern, o.rate ?? cfg.thresholds.errorRate.goAtMost, o.seed, o.run, t);
      return { at: clock(), ...simulatedSides(cfg, counts, 100), queries: {}, errors: [] };
    },
  };
}

async function runnerChecks(cfg: StageConfig, o: PatternRunOptions) {
  const { options, events, time } = fakeRun(cfg, { pollMs: 3_600_000 });
  options.metrics = patternDraws(cfg, o, time.clock);
  await runRollout(options);
  return events.flatMap((e) => (e.type === "check" ? [{ at: e.record.at, action: e.record.action }] : []));
}

function benchChecks(cfg: StageConfig, o: PatternRunOptions) {
  const trace: NonNullable<PatternRunOptions["trace"]> = [];
  const revertedAt = patternRevertCheck(cfg, runnerPathRule("current", cfg).start, { ...o, trace });
  return { trace, revertedAt };
}

describe("the traffic-pattern bench's decision path is the runner's", () => {
  it.each([
    [BURSTY.name, false, 0.005, 1, BURSTY],
    [DIURNAL.name, true, 0.03, 2, DIURNAL],
    [DIURNAL.name, false, 0.03, 3, DIURNAL],
  ] as const)(
    "%s traffic, declared %s, canary at %s: same decision at every check",
    async (_, declared, rate, run, pattern) => {
      const cfg = patternStage(PROD, pattern, declared);
      const o = { pattern, declared, rate, seed: 27, run };
      const bench = benchChecks(cfg, o);
      const runner = await runnerChecks(cfg, o);
      expect(runner.slice(0, bench.trace.length)).toEqual(bench.trace);
      // A healthy canary is held for the whole horizon; a 3% one is reverted within it.
      expect(bench.revertedAt > 0).toBe(rate > (cfg.thresholds.errorRate.rollbackAbove ?? 1));
      if (bench.revertedAt === 0) expect(bench.trace).toHaveLength(PATTERN_CHECKS);
      else expect(runner).toHaveLength(bench.revertedAt);
    },
  );
});
