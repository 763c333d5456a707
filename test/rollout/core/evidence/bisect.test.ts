import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { smallestHolding } from "../../../../src/rollout/core/evidence/bisect";

/** The one bisection the evidence uses (errors that would revert, requests to GO, a bar's crossing). */

/** A range [low, high] and a threshold in it: the predicate is false below it, true from it on. */
const rangeAndThreshold = fc
  .tuple(fc.integer({ min: -1000, max: 1_000_000 }), fc.integer({ min: 0, max: 1_000_000 }))
  .chain(([low, width]) =>
    fc.integer({ min: low, max: low + width }).map((threshold) => ({ low, high: low + width, threshold })),
  );

describe("smallestHolding", () => {
  it("finds the threshold of any monotone predicate, asking only inside the range, in about log2 calls", () => {
    fc.assert(
      fc.property(rangeAndThreshold, ({ low, high, threshold }) => {
        const asked: number[] = [];
        const found = smallestHolding(low, high, (n) => {
          asked.push(n);
          return n >= threshold;
        });
        expect(found).toBe(threshold);
        expect(asked.every((n) => Number.isInteger(n) && n >= low && n <= high)).toBe(true);
        // Each call halves a range of high - low + 2 candidates (threshold, or "none below").
        expect(asked.length).toBeLessThanOrEqual(Math.ceil(Math.log2(high - low + 2)));
      }),
    );
  });

  it("answers a one-value range without asking, and the lowest value when everything holds", () => {
    const never = () => {
      throw new Error("asked");
    };
    expect(smallestHolding(7, 7, never)).toBe(7);
    expect(smallestHolding(0, 100, () => true)).toBe(0);
  });
});
