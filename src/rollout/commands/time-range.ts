/**
 * `--from`, `--to` and `--step` of `ion-rollout trace`, parsed against an injected "now" (pure).
 * Times: ISO 8601 with a zone (`2026-11-23T09:00:00Z`, `...+09:00`), epoch seconds, `now`, or
 * `now-90m` style offsets. A time without a zone is refused: guessing the zone of a past incident
 * would record the wrong hour.
 */

import type { TimeRange } from "../core/trace/check-times";

export type { TimeRange };

export class TimeRangeError extends Error {
  override name = "TimeRangeError";
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const TIME_HELP =
  "use ISO 8601 with a zone (2026-11-23T09:00:00Z), epoch seconds (1795424400), now, or now-2h";

/** `90`, `90s`, `5m`, `1h` → seconds; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (UNIT_SECONDS[match[2] || "s"] ?? 1);
}

/** One time flag's value as epoch milliseconds; the error names the flag. */
export function parseTime(flag: string, text: string, nowMs: number): number {
  const value = text.trim();
  const relative = /^now(?:-(.+))?$/.exec(value);
  if (relative) {
    if (relative[1] === undefined) return nowMs;
    const back = parseDuration(relative[1]);
    if (back === undefined) throw new TimeRangeError(`${flag} "${text}": not a time; ${TIME_HELP}`);
    return nowMs - back * 1000;
  }
  if (/^\d{9,11}(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) {
    throw new TimeRangeError(
      `${flag} "${text}" has no time zone; add Z for UTC or an offset like +09:00 (${TIME_HELP})`,
    );
  }
  const parsed = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(parsed)) throw new TimeRangeError(`${flag} "${text}": not a time; ${TIME_HELP}`);
  return parsed;
}

/**
 * The checks a trace records: `from + k * step` for k = 1.. while not after `to`, each over the
 * step before it. `--to` in the future is refused: those checks have no data yet, and a trace
 * must not record "no data" for what simply has not happened.
 */
export function parseTimeRange(
  input: { from: string; to: string; step?: string },
  defaultStepSeconds: number,
  nowMs: number,
): TimeRange {
  const fromMs = parseTime("--from", input.from, nowMs);
  const toMs = parseTime("--to", input.to, nowMs);
  let stepSeconds = defaultStepSeconds;
  if (input.step !== undefined) {
    const parsed = parseDuration(input.step);
    if (parsed === undefined || parsed <= 0 || !Number.isInteger(parsed)) {
      throw new TimeRangeError(
        `--step "${input.step}": not a whole number of seconds; use e.g. 60, 60s or 1m (default: the stage's check interval, ${defaultStepSeconds} s)`,
      );
    }
    stepSeconds = parsed;
  }
  if (toMs <= fromMs) {
    throw new TimeRangeError(
      `--to (${new Date(toMs).toISOString()}) is not after --from (${new Date(fromMs).toISOString()}); swap them or widen the range`,
    );
  }
  if (toMs > nowMs + 1000) {
    throw new TimeRangeError(
      `--to (${new Date(toMs).toISOString()}) is in the future; use now or an earlier time`,
    );
  }
  if (toMs - fromMs < stepSeconds * 1000) {
    throw new TimeRangeError(
      `--from..--to (${(toMs - fromMs) / 1000} s) is shorter than one --step (${stepSeconds} s); widen the range or shorten the step`,
    );
  }
  return { fromMs, toMs, stepSeconds };
}
