import type { StageConfig } from "../../src/config";
import { ruleGroups } from "../../src/k8s/prometheus-rules";
import { METRICS, type RollbackRule, type RollbackSignal, type Side, stageLabels } from "../../src/signals";
import { type BucketCounts, histogramSeries, type InputSeries, requestSeries, times } from "./series";

/**
 * `promtool test rules` suites generated from a stage config: the rules file is `ruleGroups(cfg)`,
 * the input series are Cloud Run metrics for the stage's own stable and canary releases, and the
 * expected firing times follow from the config's check interval and consecutive counts.
 */

export const RULES_FILE = "rules.yml";
export const TEST_FILE = "tests.yml";

/** Requests per side per check interval. */
export const REQUESTS = 600;
/** Healthy intervals before a breach starts. */
export const LEAD = 2;

export function rulesFile(cfg: StageConfig) {
  return { groups: ruleGroups(cfg) };
}

/** Histogram bounds around a limit T: T/4, T/2, T, 2T (and +Inf). */
export function boundsAround(limit: number): number[] {
  return [limit / 4, limit / 2, limit, limit * 2];
}

/** Per-interval bucket counts over `boundsAround`: every observation in one bucket, or a mix. */
export const DISTRIBUTIONS = {
  /** P95 at 0.2375 T: all at most T/4. */
  healthy: [REQUESTS, 0, 0, 0, 0],
  /** P95 at 0.75 T: 90% at most T/2, 10% in (T/2, T]. */
  belowLimit: [0, REQUESTS * 0.9, REQUESTS * 0.1, 0, 0],
  /** P95 at 1.5 T: 90% in (T/2, T], 10% in (T, 2T]. */
  aboveLimit: [0, 0, REQUESTS * 0.9, REQUESTS * 0.1, 0],
} satisfies Record<string, BucketCounts>;

const HISTOGRAM_METRIC: Record<Exclude<RollbackSignal, "errorRate">, string> = {
  p95LatencyMs: METRICS.latencyBucket,
  memory: METRICS.memoryBucket,
  cpu: METRICS.cpuBucket,
};

/** 5xx per interval that put a side's error rate halfway between the limit and 100%. */
export function failingRequests(limit: number): number {
  return Math.ceil(REQUESTS * (limit + (1 - limit) / 2));
}

/** What one side does in one interval: healthy, breaching the limit, or a given distribution. */
export type IntervalState = "healthy" | "breach" | BucketCounts;

/** One side's series for one signal, healthy or breaching per interval. */
export function signalSeries(
  cfg: StageConfig,
  signal: RollbackSignal,
  side: Side,
  perInterval: IntervalState[],
  limit: number,
): InputSeries[] {
  if (signal === "errorRate") {
    const failed = perInterval.map((state) => (state === "breach" ? failingRequests(limit) : 0));
    const ok = failed.map((count) => REQUESTS - count);
    // The stable side never had a 5xx: it has no 5xx series at all, as in Cloud Monitoring.
    return requestSeries(cfg, side, ok, side === "canary" ? failed : undefined);
  }
  const counts = perInterval.map((state) =>
    state === "healthy" ? DISTRIBUTIONS.healthy : state === "breach" ? DISTRIBUTIONS.aboveLimit : state,
  );
  return histogramSeries(cfg, side, HISTOGRAM_METRIC[signal], boundsAround(limit), counts);
}

export interface AlertTimeline {
  /** Seconds from the first sample. */
  pendingAt: number;
  firesAt: number;
  stillFiringAt: number;
  clearsAt: number;
}

/**
 * The canary breaches from interval LEAD on for `consecutiveChecks + 1` intervals, then recovers; the
 * stable side stays healthy. The runner's last breaching check of the run is `firesAt`.
 */
export function breachTimeline(cfg: StageConfig, rule: RollbackRule): AlertTimeline {
  const interval = cfg.rollout.checkIntervalSeconds;
  const firesAt = (LEAD + rule.consecutiveChecks) * interval;
  return {
    pendingAt: firesAt - interval,
    firesAt,
    stillFiringAt: firesAt + interval,
    clearsAt: firesAt + 2 * interval,
  };
}

function expectedAlert(cfg: StageConfig, rule: RollbackRule) {
  const group = ruleGroups(cfg)[0];
  const declared = group?.rules.find((candidate) => candidate.alert === rule.alert);
  if (!declared) throw new Error(`no rule ${rule.alert} in the rule group`);
  return {
    exp_labels: { ...declared.labels, [stageLabels(cfg).sideLabel]: stageLabels(cfg).sideValues[1] },
    exp_annotations: declared.annotations,
  };
}

/** A promtool test: the canary breaches `rule`'s limit; when must the alert fire and clear. */
export function breachTest(cfg: StageConfig, rule: RollbackRule, timeline = breachTimeline(cfg, rule)) {
  const interval = cfg.rollout.checkIntervalSeconds;
  const breach = rule.consecutiveChecks + 1;
  const canary: IntervalState[] = [
    ...times<IntervalState>(LEAD, "healthy"),
    ...times<IntervalState>(breach, "breach"),
    ...times<IntervalState>(3, "healthy"),
  ];
  const stable = times<IntervalState>(canary.length, "healthy");
  const at = (seconds: number) => `${seconds}s`;
  return {
    interval: at(interval),
    input_series: [
      ...signalSeries(cfg, rule.signal, "stable", stable, rule.threshold),
      ...signalSeries(cfg, rule.signal, "canary", canary, rule.threshold),
    ],
    alert_rule_test: [
      { eval_time: at(LEAD * interval), alertname: rule.alert, exp_alerts: [] },
      { eval_time: at(timeline.pendingAt), alertname: rule.alert, exp_alerts: [] },
      { eval_time: at(timeline.firesAt), alertname: rule.alert, exp_alerts: [expectedAlert(cfg, rule)] },
      {
        eval_time: at(timeline.stillFiringAt),
        alertname: rule.alert,
        exp_alerts: [expectedAlert(cfg, rule)],
      },
      { eval_time: at(timeline.clearsAt), alertname: rule.alert, exp_alerts: [] },
    ],
  };
}

/** A histogram signal held at a fixed distribution for longer than the consecutive window. */
export function sustainedTest(cfg: StageConfig, rule: RollbackRule, counts: BucketCounts, fires: boolean) {
  const interval = cfg.rollout.checkIntervalSeconds;
  const length = rule.consecutiveChecks + 3;
  const end = length * interval;
  return {
    interval: `${interval}s`,
    input_series: [
      ...signalSeries(cfg, rule.signal, "stable", times(length, "healthy"), rule.threshold),
      ...signalSeries(cfg, rule.signal, "canary", times(length, counts), rule.threshold),
    ],
    alert_rule_test: [
      { eval_time: `${end}s`, alertname: rule.alert, exp_alerts: fires ? [expectedAlert(cfg, rule)] : [] },
    ],
  };
}

/** A whole `promtool test rules` file around the stage's rules file. */
export function testFile(cfg: StageConfig, tests: unknown[]) {
  return {
    rule_files: [RULES_FILE],
    evaluation_interval: `${cfg.rollout.checkIntervalSeconds}s`,
    tests,
  };
}
