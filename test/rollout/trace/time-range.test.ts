import { describe, expect, it } from "vitest";
import { parseTime, parseTimeRange, TimeRangeError } from "../../../src/rollout/commands/time-range";
import { checkTimes } from "../../../src/rollout/core/trace/check-times";

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

describe("trace time range", () => {
  it("reads ISO 8601 with a zone, epoch seconds, now and now-offsets", () => {
    expect(parseTime("--from", "2026-11-23T09:00:00Z", NOW)).toBe(Date.UTC(2026, 10, 23, 9));
    expect(parseTime("--from", "2026-11-23T18:00:00+09:00", NOW)).toBe(Date.UTC(2026, 10, 23, 9));
    expect(parseTime("--from", "1795424400", NOW)).toBe(1_795_424_400_000);
    expect(parseTime("--to", "now", NOW)).toBe(NOW);
    expect(parseTime("--from", "now-90m", NOW)).toBe(NOW - 90 * 60_000);
  });

  it("refuses a time without a zone, naming the flag and the fix", () => {
    expect(() => parseTime("--from", "2026-11-23T09:00", NOW)).toThrow(
      /--from "2026-11-23T09:00" has no time zone; add Z/,
    );
    expect(() => parseTime("--to", "yesterday", NOW)).toThrow(/--to "yesterday": not a time; use ISO 8601/);
  });

  it("refuses --to before --from, a future --to, a range shorter than a step, and a bad step", () => {
    const range = (from: string, to: string, step?: string) => () =>
      parseTimeRange({ from, to, ...(step ? { step } : {}) }, 60, NOW);
    expect(range("now-1h", "now-2h")).toThrow(/--to \(.*\) is not after --from/);
    expect(range("now-1h", "2026-11-24T00:00:00Z")).toThrow(/--to .* is in the future/);
    expect(range("now-30s", "now")).toThrow(/shorter than one --step \(60 s\)/);
    expect(range("now-1h", "now", "1.5")).toThrow(TimeRangeError);
    expect(range("now-1h", "now", "fast")).toThrow(/--step "fast": not a whole number of seconds/);
  });

  it("puts checks at from + k*step, each over the step before it, none past --to", () => {
    const range = parseTimeRange({ from: "now-10m", to: "now-1m", step: "2m" }, 60, NOW);
    expect(range.stepSeconds).toBe(120);
    expect(checkTimes(range).map((t) => (t - range.fromMs) / 1000)).toEqual([120, 240, 360, 480]);
  });
});
