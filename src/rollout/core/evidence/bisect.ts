/**
 * The smallest integer in [low, high] at which `holds` is true, for a `holds` that is monotone
 * (false below some point, true from it on) and true at `high`; the caller checks `high` first.
 * Bisection: about log2(high - low) calls, never outside [low, high].
 */
export function smallestHolding(low: number, high: number, holds: (n: number) => boolean): number {
  let below = low - 1;
  let at = high;
  while (at - below > 1) {
    const mid = Math.floor((below + at) / 2);
    if (holds(mid)) at = mid;
    else below = mid;
  }
  return at;
}
