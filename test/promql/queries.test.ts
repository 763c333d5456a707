import { describe, expect, it } from "vitest";
import { METRICS, type Side, sideLabels, sideQueries, stageLabels, stageQueries } from "../../src/signals";
import { stageVariants } from "./fixtures";
import { promtool } from "./promtool";
import { expectedQuantile, histogramSeries, type InputSeries, requestSeries, times } from "./series";
import { boundsAround, DISTRIBUTIONS, REQUESTS, TEST_FILE } from "./suites";

/**
 * What the runner's queries compute, pinned by the real PromQL engine: known input series for the
 * stable and canary releases, and the value each `sideQueries` / `stageQueries` entry must return.
 * This is the evidence that a check reads the numbers we think it reads.
 */

const CANARY_5XX = 60;
/** Samples the canary has; it goes quiet after that, so its data ages. */
const CANARY_INTERVALS = 5;
const STABLE_INTERVALS = 8;

describe("promtool: the runner's queries compute what we think", () => {
  for (const { name, config } of stageVariants()) {
    it(`${name}: requests, errors (with and without a 5xx series), error rate, P95, memory, CPU, sample age`, () => {
      const interval = config.rollout.checkIntervalSeconds;
      const at = (intervals: number) => `${intervals * interval}s`;
      const latencyBounds = boundsAround(config.thresholds.p95LatencyMs.rollbackAbove ?? 500);
      const memoryBounds = boundsAround(config.thresholds.memory.rollbackAbove ?? 0.85);
      const cpuBounds = boundsAround(0.8);
      const input: InputSeries[] = [
        // Stable: never a 5xx, so no 5xx series exists for it.
        ...requestSeries(config, "stable", times(STABLE_INTERVALS, REQUESTS)),
        ...requestSeries(
          config,
          "canary",
          times(CANARY_INTERVALS, REQUESTS - CANARY_5XX),
          times(CANARY_INTERVALS, CANARY_5XX),
        ),
        ...histogramSeries(
          config,
          "stable",
          METRICS.latencyBucket,
          latencyBounds,
          times(STABLE_INTERVALS, DISTRIBUTIONS.healthy),
        ),
        ...histogramSeries(
          config,
          "canary",
          METRICS.latencyBucket,
          latencyBounds,
          times(CANARY_INTERVALS, DISTRIBUTIONS.belowLimit),
        ),
        ...histogramSeries(
          config,
          "canary",
          METRICS.memoryBucket,
          memoryBounds,
          times(CANARY_INTERVALS, DISTRIBUTIONS.aboveLimit),
        ),
        ...histogramSeries(
          config,
          "canary",
          METRICS.cpuBucket,
          cpuBounds,
          times(CANARY_INTERVALS, DISTRIBUTIONS.belowLimit),
        ),
      ];
      const canary = sideQueries(config, "canary");
      const stable = sideQueries(config, "stable");
      const now = at(CANARY_INTERVALS);
      const one = (value: number) => [{ labels: "{}", value }];
      const stage = stageQueries(config);
      const { sideLabel } = stageLabels(config);
      const perSide = (values: Partial<Record<Side, number>>) =>
        (Object.entries(values) as [Side, number][]).map(([side, value]) => ({
          labels: `{${sideLabel}="${sideLabels(config, side)[sideLabel]}"}`,
          value,
        }));
      const expressions = [
        { expr: canary.requests, eval_time: now, exp_samples: one(REQUESTS) },
        { expr: stable.requests, eval_time: now, exp_samples: one(REQUESTS) },
        { expr: canary.errors, eval_time: now, exp_samples: one(CANARY_5XX) },
        // No 5xx series at all: `or vector(0)` makes it a zero, not a missing value.
        { expr: stable.errors, eval_time: now, exp_samples: one(0) },
        { expr: canary.errorRate, eval_time: now, exp_samples: one(CANARY_5XX / REQUESTS) },
        // No 5xx series but requests: a zero ratio, not a missing one.
        { expr: stable.errorRate, eval_time: now, exp_samples: one(0) },
        // No requests at all (after the canary went quiet): missing, never a pass.
        { expr: canary.errorRate, eval_time: at(CANARY_INTERVALS + 2), exp_samples: [] },
        { expr: canary.rps, eval_time: now, exp_samples: one(REQUESTS / interval) },
        {
          expr: canary.p95LatencyMs,
          eval_time: now,
          exp_samples: one(expectedQuantile(0.95, latencyBounds, DISTRIBUTIONS.belowLimit, interval)),
        },
        {
          expr: stable.p95LatencyMs,
          eval_time: now,
          exp_samples: one(expectedQuantile(0.95, latencyBounds, DISTRIBUTIONS.healthy, interval)),
        },
        {
          expr: canary.p50LatencyMs,
          eval_time: now,
          exp_samples: one(expectedQuantile(0.5, latencyBounds, DISTRIBUTIONS.belowLimit, interval)),
        },
        {
          expr: canary.memory,
          eval_time: now,
          exp_samples: one(expectedQuantile(0.95, memoryBounds, DISTRIBUTIONS.aboveLimit, interval)),
        },
        {
          expr: canary.cpu,
          eval_time: now,
          exp_samples: one(expectedQuantile(0.95, cpuBounds, DISTRIBUTIONS.belowLimit, interval)),
        },
        // No memory series for stable: missing, never a pass.
        { expr: stable.memory, eval_time: now, exp_samples: [] },
        { expr: canary.sampleAgeSeconds, eval_time: now, exp_samples: one(0) },
        // Two intervals after the canary's last sample, its data is two intervals old.
        {
          expr: canary.sampleAgeSeconds,
          eval_time: at(CANARY_INTERVALS + 2),
          exp_samples: one(2 * interval),
        },
        // The stage-wide queries (alerts, dashboards) keep one series per side.
        {
          expr: stage.requests,
          eval_time: now,
          exp_samples: perSide({ stable: REQUESTS, canary: REQUESTS }),
        },
        {
          expr: stage.errorRate,
          eval_time: now,
          exp_samples: perSide({ stable: 0, canary: CANARY_5XX / REQUESTS }),
        },
      ];
      const result = promtool(["test", "rules", TEST_FILE], {
        [TEST_FILE]: {
          rule_files: [],
          evaluation_interval: `${interval}s`,
          tests: [{ interval: `${interval}s`, input_series: input, promql_expr_test: expressions }],
        },
      });
      expect(result.output).toContain("SUCCESS");
      expect(result.code).toBe(0);
      // The pinned quantiles are the ones the fixtures name: 0.75 T under the limit, 1.5 T over it.
      expect(expectedQuantile(0.95, latencyBounds, DISTRIBUTIONS.belowLimit, interval)).toBeCloseTo(
        0.75 * (latencyBounds[2] as number),
      );
      expect(expectedQuantile(0.95, memoryBounds, DISTRIBUTIONS.aboveLimit, interval)).toBeCloseTo(
        1.5 * (memoryBounds[2] as number),
      );
    });
  }
});
