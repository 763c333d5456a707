import { describe, expect, it } from "vitest";
import { analysisContext } from "../../src/rollout/core/analysis/check";
import { evidenceRule, trafficLevel } from "../../src/rollout/core/analysis/evidence-rules";
import { backtest } from "../../src/rollout/core/backtest/replay";
import type { RolloutState } from "../../src/rollout/core/state";
import { evidenceMarkdown, evidenceSvg } from "../../src/rollout/report/evidence-curve";
import { htmlReport, markdownReport } from "../../src/rollout/report/report";
import { check, consecutiveProd, prod } from "./fixtures";

// A known journal: prod (sequential), 15 canary requests per check with one error each, as the
// controller records it (decide builds the records). The error-rate evidence, computed here from
// the documented rule (docs/evidence.md: p0 0.5%, alternatives 2.1% / 10% weighted 0.85 / 0.15,
// bar 1/(alpha * share) = 4000, raised at this traffic so OBSERVE-band canaries are held: the
// rule's bar, the one number read off the code), not read off the code:
// E(S, N) = 0.85 (0.021/0.005)^S (0.979/0.995)^(N-S) + 0.15 (0.1/0.005)^S (0.9/0.995)^(N-S).
const checks = Array.from({ length: 10 }, (_, i) => check(60 * (i + 1), { requests: 15, errors: 1 }));
const records = backtest(prod(), checks, 0).decisions;

function e(S: number, N: number): number {
  const alt = (p: number, w: number) => w * (p / 0.005) ** S * ((1 - p) / 0.995) ** (N - S);
  return alt(0.021, 0.85) + alt(0.1, 0.15);
}
const log10 = (x: number) => Math.round(Math.log10(x) * 1000) / 1000;
const revertBar = Math.exp(
  evidenceRule(
    { rollbackAbove: 0.01, goAtMost: 0.005 },
    // As the analysis judges the prod plan: the evidence horizon covers its 80 scheduled checks.
    analysisContext(prod()).thresholds.errorRate.evidence,
    trafficLevel(undefined, 15),
  ).cumulativeLogBar,
);

describe("the report's error-rate evidence curve", () => {
  it("the SVG has one point per check at log10 E, against the bar, and reverts where E reaches it", () => {
    // E: 3.6, 13, 50, 194, 784, 3292 after checks 1..6; 14 291 at check 7 reaches the bar: the revert.
    expect(revertBar).toBeGreaterThanOrEqual(4000 * (1 - 1e-12));
    expect(revertBar).toBeGreaterThan(3292);
    expect(revertBar).toBeLessThanOrEqual(14_291);
    expect(records.map((r) => r.action).at(-1)).toBe("revert");
    expect(records).toHaveLength(7);
    const svg = evidenceSvg(records, 420);
    expect(svg).toContain("<svg");
    for (let k = 1; k <= 7; k++) {
      expect(svg).toContain(
        `data-at="${60 * k}" data-log10-e="${log10(e(k, 15 * k))}" data-log10-bar="${log10(revertBar)}"`,
      );
      expect(svg).toContain(`href="#record-${k}"`);
    }
    // The E curve (first path) and the bar (second) each have a vertex per check, the bar flat.
    const paths = [...svg.matchAll(/<path class="evidence-(\d)" d="([^"]+)"/g)];
    expect(paths).toHaveLength(4);
    const vertices = (d: string) => d.split(" ").map((v) => v.slice(1).split(",").map(Number));
    const curve = vertices(paths[0]?.[2] ?? "");
    const bar = vertices(paths[1]?.[2] ?? "");
    expect(curve).toHaveLength(7);
    expect(new Set(bar.map(([, y]) => y)).size).toBe(1);
    // Rising evidence draws upwards (SVG y shrinks); the last point is at or above the bar.
    for (let k = 1; k < 7; k++) expect(curve[k]?.[1]).toBeLessThan(curve[k - 1]?.[1] as number);
    expect(curve[6]?.[1]).toBeLessThanOrEqual(bar[6]?.[1] as number);
    expect(curve[5]?.[1]).toBeGreaterThan(bar[5]?.[1] as number);
  });

  it("the Markdown report has a row per step with S/N, this check, E / bar; the HTML embeds the SVG", () => {
    const md = evidenceMarkdown(records);
    expect(md).toContain("### Error-rate evidence");
    // 14 291 to three significant digits; the bar to three too.
    expect(md.join("\n")).toContain(`| 7 | 420s | 7/105 | 1/15 | 14300 / ${+revertBar.toPrecision(3)} |`);
    expect(md.filter((l) => /^\| \d+ \|/.test(l))).toHaveLength(7);
    const state = {
      stage: "prod",
      status: "reverted",
      startedAt: 0,
      weight: 0,
      reason: "NO-GO",
      releases: { canary: { name: "c", image: "c:1" }, stable: { name: "s", image: "s:1" } },
    } as unknown as RolloutState;
    // E(1, 15) = 3.581.
    expect(markdownReport({ state, records })).toContain(
      `| 1 | 60s | 1/15 | 1/15 | 3.58 / ${+revertBar.toPrecision(3)} |`,
    );
    expect(htmlReport({ state, records })).toContain(`data-log10-e="${log10(e(7, 105))}"`);
  });

  it("a journal without evidence (analysis: consecutive) draws no evidence chart", () => {
    const old = backtest(consecutiveProd(), checks, 0).decisions;
    expect(evidenceSvg(old, 600)).toBe("");
    expect(evidenceMarkdown(old)).toEqual([]);
  });
});
