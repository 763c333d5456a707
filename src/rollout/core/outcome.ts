/** Exit codes CI can branch on. */
export const EXIT = { ok: 0, promoted: 0, error: 1, reverted: 2, held: 3 } as const;

export type Outcome = "promoted" | "reverted" | "held" | "incomplete";

export function exitCodeFor(outcome: Outcome): number {
  if (outcome === "promoted") return EXIT.promoted;
  if (outcome === "reverted") return EXIT.reverted;
  return EXIT.held;
}
