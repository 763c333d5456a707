import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS_MS, METRICS, sideQueries, slowBucketBound } from "../../src/signals";
import { stageVariants, stageWith } from "./fixtures";
import { promtool } from "./promtool";
import { type BucketCounts, histogramSeries, type InputSeries, times } from "./series";
import { TEST_FILE } from "./suites";

/**
 * The slow-request count (P95 judged by the share of requests slower than its limit),
 * pinned by the real PromQL engine: known bucket counts per interval over the latency histogram's
 * real layout (`LATENCY_BUCKETS_MS`), and the count `sideQueries(...).slow` must return over one
 * window: every request the histogram measured (`le="+Inf"`) minus those in the bucket at or
 * below the limit (`slowBucketBound`).
 */

const INTERVALS = 5;

/** One interval's bucket counts: `fast` requests in the bucket at the limit, `slow` split above it. */
function bucketCounts(limitMs: number, fast: number, slowAbove: number, overflow: number): BucketCounts {
  const counts: BucketCounts = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
  const at = LATENCY_BUCKETS_MS.indexOf(slowBucketBound(limitMs));
  counts[at] = fast; // (previous bound, bound at the limit]: fast
  counts[at + 1] = slowAbove; // the next bucket up: slower than the limit
  counts[LATENCY_BUCKETS_MS.length] = overflow; // above the top bound (+Inf only)
  return counts;
}

const variants = [
  ...stageVariants(),
  // A limit between two bucket bounds (600 ms): the count uses the bound below (500 ms), so a
  // request of 501-600 ms counts as slow: it can only over-count (conservative).
  {
    name: "prod, P95 limit 600 ms",
    config: stageWith("prod", {
      thresholds: {
        errorRate: {
          rollbackAbove: 0.01,
          consecutive: 3,
          goAtMost: 0.005,
          minRequests: 50,
          confidence: 0.95,
        },
        p95LatencyMs: { rollbackAbove: 600, consecutive: 3, goAtMost: 200 },
        memory: { rollbackAbove: 0.85, consecutive: 2, goAtMost: 0.85 },
        cpu: { goAtMost: 0.8 },
      },
    }),
  },
];

describe("promtool: the slow-request count", () => {
  for (const { name, config } of variants) {
    it(`${name}: slow requests over one window; a side with none is 0, a side with no histogram is missing`, () => {
      const interval = config.rollout.checkIntervalSeconds;
      const limit = config.thresholds.p95LatencyMs.rollbackAbove ?? 500;
      const bounds = [...LATENCY_BUCKETS_MS];
      // Canary: 180 fast, 12 just above the limit's bucket and 8 above the top bound: 20 slow per interval.
      const canary = bucketCounts(limit, 180, 12, 8);
      // Stable: every request at or under the limit: 0 slow, though its buckets exist.
      const stable = bucketCounts(limit, 400, 0, 0);
      const input: InputSeries[] = [
        ...histogramSeries(config, "canary", METRICS.latencyBucket, bounds, times(INTERVALS, canary)),
        ...histogramSeries(config, "stable", METRICS.latencyBucket, bounds, times(INTERVALS, stable)),
      ];
      const now = `${INTERVALS * interval}s`;
      const one = (value: number) => [{ labels: "{}", value }];
      // One side of another revision, with no histogram at all: nothing, never a 0 that would pass.
      const other = sideQueries({ ...config, releases: renamed(config) }, "canary");
      const expressions = [
        { expr: sideQueries(config, "canary").slow, eval_time: now, exp_samples: one(20) },
        { expr: sideQueries(config, "stable").slow, eval_time: now, exp_samples: one(0) },
        { expr: other.slow, eval_time: now, exp_samples: [] },
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
    });
  }
});

function renamed(config: ReturnType<typeof stageWith>) {
  const r = config.releases;
  return { ...r, canary: { ...r.canary, name: `${r.canary.name}-absent` } } as typeof r;
}
