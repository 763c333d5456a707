/**
 * Axis labels that never overlap: labels wanted at heights `y` (text baselines, SVG y grows
 * downwards) are spread so any two are at least `gap` apart, moving as little as they must and
 * staying in order, within [top, bottom]. Pure, so a test can check the boxes it computes.
 */
export interface WantedLabel {
  y: number;
}

export function spreadLabels<T extends WantedLabel>(
  labels: T[],
  gap: number,
  top: number,
  bottom: number,
): (T & { at: number })[] {
  const sorted = [...labels].sort((a, b) => a.y - b.y);
  const at = sorted.map((l) => Math.min(bottom, Math.max(top, l.y)));
  // Push down past each neighbour above, then back up from the bottom edge, then down from the top.
  for (let i = 1; i < at.length; i++) at[i] = Math.max(at[i] ?? 0, (at[i - 1] ?? 0) + gap);
  const last = at.length - 1;
  if (last >= 0 && (at[last] ?? 0) > bottom) {
    at[last] = bottom;
    for (let i = last - 1; i >= 0; i--) at[i] = Math.min(at[i] ?? 0, (at[i + 1] ?? 0) - gap);
  }
  return sorted.map((label, i) => ({ ...label, at: at[i] ?? label.y }));
}

/**
 * Pixels left free inside a plot after the last check: a marker at the rollout's end (its revert
 * or promotion) stands clear of the plot's right border instead of merging with it.
 */
export const PLOT_END_PAD = 12;
