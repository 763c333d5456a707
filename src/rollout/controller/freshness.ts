import type { MetricsSample } from "../core/sample/sample";

/**
 * Stale data never passes: a metrics source whose newest canary sample does not advance from one
 * check to the next (a Prometheus that stopped scraping, a frozen proxy replaying answers) has no
 * new data, even while the sample's age is under `rollout.maxSampleAgeSeconds`. Such a check
 * gets a backend error, so the analysis makes it INCONCLUSIVE, never a pass.
 */

/** How much later (ms) the newest sample must be to count as new: float error of `at - age`. */
const ADVANCE_TOLERANCE_MS = 1;

/** A filter over one rollout's successive samples (one per check); keeps the newest sample seen. */
export function newestSampleMustAdvance(): (sample: MetricsSample) => MetricsSample {
  let previous: number | undefined;
  return (sample) => {
    const age = sample.canary.sampleAgeSeconds;
    if (typeof age !== "number" || !Number.isFinite(age)) return sample;
    const newest = sample.at - age * 1000;
    const before = previous;
    previous = Math.max(before ?? newest, newest);
    if (before === undefined || newest > before + ADVANCE_TOLERANCE_MS) return sample;
    const error = `the metrics are not advancing: the newest canary sample (${new Date(newest).toISOString()}) is no newer than at the previous check (a stopped scrape or a frozen source); no data`;
    return { ...sample, errors: [...sample.errors, error] };
  };
}
