import { describe, expect, it, vi } from "vitest";
import { backoffDelays } from "../../../src/rollout/edges/drivers/backoff";
import { abortableSleep } from "../../../src/rollout/edges/sleep";

describe("backoffDelays", () => {
  it("doubles from the base up to the cap, one delay between each pair of attempts", () => {
    expect(backoffDelays(5, 5_000, 60_000)).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(backoffDelays(6, 5_000, 30_000)).toEqual([5_000, 10_000, 20_000, 30_000, 30_000]);
    expect(backoffDelays(1, 5_000, 60_000)).toEqual([]);
  });
});

describe("abortableSleep", () => {
  it("waits, and stops early with the abort reason", async () => {
    vi.useFakeTimers();
    try {
      let done = false;
      const sleeping = abortableSleep(30).then(() => {
        done = true;
      });
      await vi.advanceTimersByTimeAsync(29);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await sleeping;
      expect(done).toBe(true);
    } finally {
      vi.useRealTimers();
    }

    const controller = new AbortController();
    const pending = abortableSleep(60_000, controller.signal);
    controller.abort(new Error("interrupted"));
    await expect(pending).rejects.toThrow("interrupted");
    await expect(abortableSleep(10, AbortSignal.abort(new Error("already")))).rejects.toThrow("already");
  });
});
