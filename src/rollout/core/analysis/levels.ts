import type { SignalThreshold } from "../../../config";
import { consecutiveChecks } from "../../../signals/rules";
import {
  isNumber,
  pct,
  type SignalName,
  type SignalThresholdView,
  type SignalVerdict,
  type Verdict,
} from "./types";

/**
 * Consecutive-check rules: level signals (latency by value, memory, CPU), health, and the breach
 * streak they share with `analysis: consecutive`'s error-rate blocks. A duration given in time
 * (`forSeconds`, staging's "for 3 min") is measured in time from the streak's first breaching
 * check, so a judgement that pools several checks cannot stretch it.
 */

export function format(signal: SignalName, value: number): string {
  if (signal === "p95LatencyMs") return `${+value.toFixed(1)} ms`;
  if (signal === "health") return `${value}`;
  return pct(value);
}

export function thresholdView(
  threshold: Pick<SignalThreshold, "rollbackAbove" | "goAtMost" | "consecutive" | "forSeconds">,
  interval: number,
): SignalThresholdView {
  return {
    rollbackAbove: threshold.rollbackAbove,
    goAtMost: threshold.goAtMost,
    consecutive: threshold.rollbackAbove === undefined ? 0 : consecutiveChecks(threshold, interval),
    ...(threshold.forSeconds === undefined ? {} : { forSeconds: threshold.forSeconds }),
  };
}

export interface Streak {
  counter: number;
  /** `at` of the streak's first breaching check. */
  since: number;
  noGo: boolean;
  /** "2/3 in a row" or "240/300 s". */
  progress: string;
}

/** One more breach: NO-GO once it has repeated `consecutive` times or lasted `forSeconds`. */
export function extendStreak(
  view: SignalThresholdView,
  interval: number,
  previous: { counter: number; since: number | undefined },
  at: number,
): Streak {
  const counter = previous.counter + 1;
  const since = previous.since ?? at;
  if (view.forSeconds !== undefined) {
    // A check's window reaches back one interval: a breach seen at `since` began an interval earlier.
    const lasted = Math.round(at - since + interval);
    return { counter, since, noGo: lasted >= view.forSeconds, progress: `${lasted}/${view.forSeconds} s` };
  }
  return {
    counter,
    since,
    noGo: counter >= view.consecutive,
    progress: `${counter}/${view.consecutive} in a row`,
  };
}

export type LevelThreshold = Pick<
  SignalThreshold,
  "rollbackAbove" | "goAtMost" | "consecutive" | "forSeconds"
>;

export interface LevelInput {
  signal: "p95LatencyMs" | "memory" | "cpu";
  threshold: LevelThreshold;
  interval: number;
  at: number;
  value: number | null | undefined;
  counter: number;
  since: number | undefined;
  stale?: string;
  noTraffic: boolean;
  query?: string;
}

/** A level signal: breach above the limit (NO-GO when sustained), GO within the gate, else OBSERVE. */
export function judgeLevel(input: LevelInput): SignalVerdict & { since?: number } {
  const { signal, threshold, value, counter } = input;
  const view = thresholdView(threshold, input.interval);
  const base = { signal, threshold: view, query: input.query, sampleSize: null, breach: false, counter };
  const unjudged = (verdict: Verdict, why: string) => ({
    ...base,
    value: null,
    verdict,
    reason: `${signal}: ${why}`,
  });
  if (input.stale) return { ...unjudged("INCONCLUSIVE", input.stale), since: input.since };
  if (signal === "p95LatencyMs" && input.noTraffic)
    return { ...unjudged("OBSERVE", "waiting for evidence: no canary requests"), since: input.since };
  if (!isNumber(value)) return { ...unjudged("INCONCLUSIVE", "no data"), since: input.since };
  const shown = format(signal, value);
  if (threshold.rollbackAbove !== undefined && value > threshold.rollbackAbove) {
    const streak = extendStreak(view, input.interval, { counter, since: input.since }, input.at);
    return {
      ...base,
      value,
      breach: true,
      verdict: streak.noGo ? "NO-GO" : "OBSERVE",
      counter: streak.counter,
      since: streak.since,
      reason: `${signal}: ${shown} > ${format(signal, threshold.rollbackAbove)} (${streak.progress})`,
    };
  }
  const go = value <= threshold.goAtMost;
  const gate = format(signal, threshold.goAtMost);
  return {
    ...base,
    value,
    verdict: go ? "GO" : "OBSERVE",
    counter: 0,
    reason: go ? `${signal}: ${shown} <= ${gate}` : `${signal}: ${shown} above the GO gate ${gate}`,
  };
}

/** Health: `limit` failed checks in a row is NO-GO at once; fewer is OBSERVE. */
export function judgeHealth(
  limit: number,
  failures: number | null | undefined,
  counter: number,
  stale: string | undefined,
  query?: string,
): SignalVerdict {
  const base = {
    signal: "health" as const,
    threshold: { rollbackAbove: limit - 1, goAtMost: 0, consecutive: 1 },
    sampleSize: null,
    query,
    breach: false,
  };
  if (stale || !isNumber(failures))
    return {
      ...base,
      value: null,
      verdict: "INCONCLUSIVE",
      counter,
      reason: `health: ${stale ?? "no data"}`,
    };
  if (failures >= limit) {
    const reason = `health: ${failures} failed checks in a row >= ${limit}`;
    return { ...base, value: failures, breach: true, verdict: "NO-GO", counter: counter + 1, reason };
  }
  if (failures > 0) {
    const reason = `health: ${failures} failed checks in a row (limit ${limit})`;
    return { ...base, value: failures, verdict: "OBSERVE", counter: 0, reason };
  }
  return { ...base, value: 0, verdict: "GO", counter: 0, reason: "health: passing" };
}
