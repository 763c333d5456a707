/** Delays for attempt 1..n-1: doubling from `baseMs`, capped at `maxMs`. */
export function backoffDelays(attempts: number, baseMs: number, maxMs: number): number[] {
  return Array.from({ length: Math.max(0, attempts - 1) }, (_, i) => Math.min(maxMs, baseMs * 2 ** i));
}
