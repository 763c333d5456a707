import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitOf } from "../../src/config";

describe("splitOf: the one traffic split", () => {
  it("for every weight 0-100: canary gets its weight, stable the rest, both declared", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), (weight) => {
        const split = splitOf(weight);
        expect(split.canary).toBe(weight);
        expect(split.stable + split.canary).toBe(100);
        expect(split.declared).toEqual(["stable", "canary"]);
      }),
      { numRuns: 200 },
    );
  });

  it("a retired old side leaves the canary alone at 100, and only at 100", () => {
    expect(splitOf(100, true)).toEqual({ stable: 0, canary: 100, declared: ["canary"] });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99 }), (weight) => {
        expect(() => splitOf(weight, true)).toThrow(/only be retired with the canary at 100%/);
      }),
    );
  });

  it("refuses weights that are not integer percents", () => {
    for (const weight of [-1, 101, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => splitOf(weight)).toThrow(/integer percent 0..100/);
    }
  });
});
