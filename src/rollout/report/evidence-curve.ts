import type { EvidenceRecord } from "../core/analysis/types";
import type { DecisionRecord } from "../core/record";
import { PLOT_END_PAD } from "./label-layout";

/**
 * The error rate's sequential evidence per check (`analysis: sequential`), from the records'
 * `evidence`: the cumulative e-value E against its bar and the change-point statistic against
 * its bar, on a log10 scale (a revert is a curve reaching its bar). An SVG for the HTML report
 * (same time axis as the timeline) and a table for the Markdown one.
 */

export interface EvidencePoint {
  seq: number;
  at: number;
  evidence: EvidenceRecord;
}

export function evidencePoints(records: DecisionRecord[]): EvidencePoint[] {
  return records.flatMap((r) => {
    const evidence = r.signals.find((s) => s.signal === "errorRate")?.evidence;
    return evidence ? [{ seq: r.seq, at: r.at, evidence }] : [];
  });
}

/** log10 of a positive value, to 3 decimals (0 and below: the floor of the chart). */
export function log10(value: number): number {
  return value > 0 ? Math.round(Math.log10(value) * 1000) / 1000 : Number.NEGATIVE_INFINITY;
}

function sci(x: number): string {
  if (x === 0) return "0";
  return x >= 0.01 && x < 1e5 ? `${+x.toPrecision(3)}` : x.toExponential(2);
}

interface Curve {
  label: string;
  color: string;
  dash?: string;
  value: (e: EvidenceRecord) => number;
}

const CURVES: Curve[] = [
  { label: "E", color: "#2c3e50", value: (e) => e.e },
  { label: "bar", color: "#c0392b", dash: "5,4", value: (e) => e.bar },
  { label: "change-point", color: "#8e44ad", value: (e) => e.changePoint },
  { label: "change-point bar", color: "#8e44ad", dash: "2,3", value: (e) => e.changePointBar },
];

/** The chart's vertical range in log10 units: every curve's finite values, at least [-1, 1]. */
function logRange(points: EvidencePoint[]): { low: number; high: number } {
  const values = points.flatMap((p) => CURVES.map((c) => log10(c.value(p.evidence)))).filter(Number.isFinite);
  const low = Math.floor(Math.min(-1, ...values));
  const high = Math.ceil(Math.max(1, ...values));
  return { low, high };
}

/** The evidence chart; "" when no record carries error-rate evidence. `maxAt`: the timeline's time axis. */
export function evidenceSvg(records: DecisionRecord[], maxAt: number): string {
  const points = evidencePoints(records);
  if (points.length === 0) return "";
  const [width, height, left, right, top, plot] = [900, 180, 120, 20, 20, 120];
  const { low, high } = logRange(points);
  const x = (at: number) =>
    (left + ((width - left - right - PLOT_END_PAD) * at) / Math.max(1, maxAt)).toFixed(1);
  const y = (v: number) => (top + plot - (plot * (Math.max(low, v) - low)) / (high - low)).toFixed(1);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="evidence" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<text x="4" y="${top - 6}" font-weight="bold">error-rate evidence (log10; reverts when a curve reaches its bar)</text>`,
    `<rect x="${left}" y="${top}" width="${width - left - right}" height="${plot}" fill="#fafafa" stroke="#ccc"/>`,
    `<text x="${left - 4}" y="${top + 10}" text-anchor="end">1e${high}</text>`,
    `<text x="${left - 4}" y="${top + plot}" text-anchor="end">1e${low}</text>`,
  ];
  CURVES.forEach((curve, i) => {
    const d = points.map((p, k) => `${k ? "L" : "M"}${x(p.at)},${y(log10(curve.value(p.evidence)))}`);
    const dash = curve.dash ? ` stroke-dasharray="${curve.dash}"` : "";
    parts.push(
      `<path class="evidence-${i}" d="${d.join(" ")}" fill="none" stroke="${curve.color}" stroke-width="1.5"${dash}/>`,
      `<text x="${left + 6 + i * 120}" y="${top + plot + 28}" fill="${curve.color}">${curve.label}</text>`,
    );
  });
  for (const p of points) {
    const e = p.evidence;
    parts.push(
      `<a href="#record-${p.seq}"><circle cx="${x(p.at)}" cy="${y(log10(e.e))}" r="2.5" fill="#2c3e50" data-at="${p.at}" data-log10-e="${log10(e.e)}" data-log10-bar="${log10(e.bar)}"><title>#${p.seq} at ${p.at} s: ${e.errors}/${e.requests}, E ${sci(e.e)} / bar ${sci(e.bar)}, change-point ${sci(e.changePoint)} / ${sci(e.changePointBar)}</title></circle></a>`,
    );
  }
  parts.push("</svg>");
  return parts.join("\n");
}

/** The Markdown report's evidence table, one row per check (the last 60); [] without evidence. */
export function evidenceMarkdown(records: DecisionRecord[]): string[] {
  const points = evidencePoints(records);
  if (points.length === 0) return [];
  const lines = [
    "",
    "### Error-rate evidence",
    "",
    "| # | at | errors/requests | this check | E / bar | change-point / bar | GO gate |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const { seq, at, evidence: e } of points.slice(-60)) {
    lines.push(
      `| ${seq} | ${at}s | ${e.errors}/${e.requests} | ${e.check.errors}/${e.check.requests} | ${sci(e.e)} / ${sci(e.bar)} | ${sci(e.changePoint)} / ${sci(e.changePointBar)} | ${sci(e.go)} / ${sci(e.goBar)} |`,
    );
  }
  if (points.length > 60) lines.push("", `(${points.length - 60} earlier rows omitted)`);
  return lines;
}
