import type { SignalName } from "../core/analysis/check";
import { outcomeWord } from "../core/outcome-word";
import type { DecisionRecord } from "../core/record";
import type { RolloutState } from "../core/state";
import { escapeHtml, markdownFence } from "../core/text/sanitise";
import { evidenceMarkdown, evidenceSvg } from "./evidence-curve";
import { gateHtml } from "./gate-html";
import { gateMarkdown } from "./gate-markdown";
import { PLOT_END_PAD, spreadLabels } from "./label-layout";
import { formatValue } from "./progress";
import { gatheringEvidence } from "./verdict-label";

/**
 * The end-of-rollout report: Markdown (also for $GITHUB_STEP_SUMMARY) and a standalone HTML page
 * with an inline SVG timeline of the weight and of every signal with its thresholds drawn, and of
 * the error rate's sequential evidence against its bar (evidence-curve.ts). Every
 * revert and every hold a signal caused is marked on the timeline and linked to its decision record.
 */

export interface ReportInput {
  state: RolloutState;
  records: DecisionRecord[];
}

const SIGNALS: SignalName[] = ["errorRate", "p95LatencyMs", "memory", "cpu", "health"];
const TITLES: Record<SignalName, string> = {
  errorRate: "error rate",
  p95LatencyMs: "P95 latency",
  memory: "memory",
  cpu: "CPU",
  health: "health failures",
};

/**
 * A record worth pointing at: a revert, a promotion, or a hold that a signal caused (not the bake
 * clock, and not a GO gate still gathering evidence on a healthy canary).
 */
export function isNotable(record: DecisionRecord): boolean {
  return (
    record.action === "revert" ||
    record.action === "promote" ||
    (record.action === "hold" &&
      ((record.verdict !== "GO" && !gatheringEvidence(record)) || !!record.timedOut))
  );
}

/**
 * Text from input (names, images, reasons, operator names) as inert Markdown on one line: line
 * breaks become spaces, HTML is escaped, and every character Markdown gives a meaning is escaped.
 */
export function markdownText(text: string): string {
  return text
    .replace(/[\r\n\u2028\u2029]+/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]#|!~])/g, "\\$1");
}

function summaryLine(state: RolloutState, records: DecisionRecord[]): string {
  const { canary, stable } = state.releases;
  return `**${outcomeWord(state, records)}** ${markdownText(canary.name)} (${markdownText(canary.image)}) over ${markdownText(stable.name)} on ${markdownText(state.stage)}: ${markdownText(state.reason ?? "")}`;
}

/** The decision that ended the rollout: its reason, the gate's probes, each signal and its query. */
function causeMarkdown(cause: DecisionRecord): string[] {
  const lines = [
    "",
    `### Decision #${cause.seq} (${cause.action} at ${cause.at}s, step ${cause.step}/${cause.steps}, ${cause.weight}%)`,
    "",
    markdownText(cause.reason),
    "",
    ...gateMarkdown(cause),
  ];
  if (cause.signals.length === 0) return lines;
  lines.push(
    "| signal | value | sample | roll back above | GO at most | counter | verdict |",
    "|---|---|---|---|---|---|---|",
  );
  for (const s of cause.signals) {
    lines.push(
      `| ${s.signal} | ${formatValue(s.signal, s.value)} | ${s.sampleSize ?? "-"} | ${formatValue(s.signal, s.threshold.rollbackAbove)} | ${formatValue(s.signal, s.threshold.goAtMost)} | ${s.counter}/${s.threshold.consecutive} | ${s.verdict} |`,
    );
  }
  const queries = cause.signals.filter((s) => s.query);
  if (queries.length > 0) {
    const fence = markdownFence(queries.map((s) => s.query ?? "").join("\n"));
    lines.push("", "<details><summary>queries</summary>", "", fence);
    for (const s of queries) lines.push(`# ${s.signal}`, s.query ?? "");
    lines.push(fence, "", "</details>");
  }
  return lines;
}

export function markdownReport({ state, records }: ReportInput): string {
  const lines = [
    `## ion-rollout ${markdownText(state.stage)}: ${outcomeWord(state, records).toLowerCase()}`,
    "",
    summaryLine(state, records),
    "",
    `Started ${new Date(state.startedAt).toISOString()}, ${records.length} decision records, final weight ${state.weight}%.`,
  ];
  const cause = state.causedBy === undefined ? undefined : records.find((r) => r.seq === state.causedBy);
  if (cause) lines.push(...causeMarkdown(cause));
  const notable = records.filter(isNotable);
  lines.push(
    "",
    "### Timeline",
    "",
    "| # | at | step | weight | verdict | action | reason |",
    "|---|---|---|---|---|---|---|",
  );
  const shown = records.filter((r) => r.action !== "hold" || isNotable(r));
  for (const r of shown.slice(-60)) {
    lines.push(
      `| ${r.seq} | ${r.at}s | ${r.step}/${r.steps} | ${r.weight}% | ${r.verdict} | ${r.action} | ${markdownText(r.reason)} |`,
    );
  }
  if (shown.length > 60)
    lines.push(
      "",
      `(${shown.length - 60} earlier rows omitted; ion-rollout explain ${markdownText(state.stage)} prints all)`,
    );
  lines.push(...evidenceMarkdown(records));
  lines.push(
    "",
    `${notable.length} notable decisions; plain baking holds are omitted. Full record: ion-rollout explain ${markdownText(state.stage)} --json.`,
  );
  return `${lines.join("\n")}\n`;
}

interface Panel {
  title: string;
  series: Array<{ at: number; value: number | null; seq: number }>;
  /** The error rate of each check alone, beside the cumulative rate the analysis judges. */
  perCheck?: Array<{ at: number; value: number | null; seq: number }>;
  thresholds: Array<{ value: number; label: string; color: string }>;
  format: (v: number) => string;
  max: number;
}

/** Each check's own error rate, from the counts it measured (absent from older journals). */
function checkErrorRates(records: DecisionRecord[]): Panel["perCheck"] {
  const points = records.flatMap((r) => {
    const canary = r.measured?.canary;
    if (!canary || canary.requests === null || canary.errors === null) return [];
    return [{ at: r.at, seq: r.seq, value: canary.requests > 0 ? canary.errors / canary.requests : null }];
  });
  return points.length > 0 ? points : undefined;
}

function panels(records: DecisionRecord[]): Panel[] {
  const result: Panel[] = [
    {
      title: "canary weight",
      series: records.map((r) => ({ at: r.at, value: r.weight, seq: r.seq })),
      thresholds: [],
      format: (v) => `${v}%`,
      max: 100,
    },
  ];
  for (const signal of SIGNALS) {
    const points = records.flatMap((r) => {
      const s = r.signals.find((x) => x.signal === signal);
      return s ? [{ at: r.at, value: s.value, seq: r.seq, threshold: s.threshold }] : [];
    });
    if (points.length === 0) continue;
    const t = points[points.length - 1]?.threshold;
    const thresholds: Panel["thresholds"] = [];
    if (t?.rollbackAbove !== undefined)
      thresholds.push({ value: t.rollbackAbove, label: "roll back", color: "#c0392b" });
    if (t?.goAtMost !== undefined) thresholds.push({ value: t.goAtMost, label: "GO", color: "#27ae60" });
    const perCheck = signal === "errorRate" ? checkErrorRates(records) : undefined;
    const values = [
      ...points.map((p) => p.value ?? 0),
      ...thresholds.map((x) => x.value),
      ...(perCheck ?? []).map((p) => p.value ?? 0),
    ];
    result.push({
      title:
        signal === "errorRate" && perCheck
          ? "error rate: since the canary took traffic (line), each check (dots)"
          : TITLES[signal],
      series: points.map(({ at, value, seq }) => ({ at, value, seq })),
      ...(perCheck ? { perCheck } : {}),
      thresholds,
      format: (v) => formatValue(signal, v),
      max: Math.max(...values, 1e-9) * 1.15,
    });
  }
  return result;
}

/**
 * Vertical distance between two axis labels' baselines: the box Chromium lays an 11 px sans-serif
 * line out in (13 px, measured by test/rollout/report-chromium.test.ts) plus a pixel.
 */
export const LABEL_GAP = 14;

/** A generous width of one character of the 11 px sans-serif labels (Chromium lays out about 5.7). */
const CHAR_PX = 6.5;

/** Each plan step's span on the time axis: from its first record to the next step's first. */
export function stepBands(
  records: DecisionRecord[],
): { index: number; step: number; weight: number; from: number; to: number }[] {
  const bands: { index: number; step: number; weight: number; from: number; to: number }[] = [];
  for (const r of records) {
    const current = bands.at(-1);
    if (current && current.step === r.step && current.weight === r.weight) current.to = r.at;
    else {
      if (current) current.to = r.at;
      bands.push({ index: bands.length, step: r.step, weight: r.weight, from: current ? r.at : 0, to: r.at });
    }
  }
  return bands;
}

/**
 * The time axis: clock time (UTC) and seconds at the start and the end, and each step's weight
 * under its band where the band is wide enough to hold it.
 */
function timeAxis(
  records: DecisionRecord[],
  x: (at: number) => number,
  height: number,
  end: number,
): string[] {
  const first = records[0];
  const startMs = first ? Date.parse(first.time) - first.at * 1000 : 0;
  const maxAt = Math.max(1, ...records.map((r) => r.at));
  const clock = (at: number) => new Date(startMs + at * 1000).toISOString().slice(11, 19);
  const startText = `${clock(0)} UTC (0 s)`;
  const endText = `${clock(maxAt)} (${maxAt} s)`;
  const parts = [
    `<text x="${x(0)}" y="${height - 4}" class="time-label">${startText}</text>`,
    `<text x="${end}" y="${height - 4}" text-anchor="end" class="time-label">${endText}</text>`,
  ];
  const reserved = [
    [x(0), x(0) + startText.length * CHAR_PX],
    [end - endText.length * CHAR_PX, end],
  ];
  for (const band of stepBands(records)) {
    const middle = (x(band.from) + x(band.to)) / 2;
    const label = `${band.weight}%`;
    const half = label.length * 3.5;
    const free = reserved.every(([a = 0, b = 0]) => middle + half < a || middle - half > b);
    if (x(band.to) - x(band.from) >= 2 * half + 4 && free)
      parts.push(
        `<text x="${middle}" y="${height - 4}" text-anchor="middle" fill="#555" class="time-label">${label}</text>`,
      );
  }
  return parts;
}

/** The inline SVG timeline. */
interface Frame {
  left: number;
  right: number;
  panelHeight: number;
  x: (at: number) => number;
}

/** A panel's background, step bands, threshold lines and its spread axis labels. */
function panelFrame(panel: Panel, top: number, f: Frame, records: DecisionRecord[]): string[] {
  const y = (v: number) => top + f.panelHeight - (f.panelHeight * Math.min(v, panel.max)) / panel.max;
  const parts = [
    `<text x="4" y="${top - 4}" font-weight="bold">${escapeHtml(panel.title)}</text>`,
    `<rect x="${f.left}" y="${top}" width="${f.right - f.left}" height="${f.panelHeight}" fill="#fafafa" stroke="#ccc" class="plot"/>`,
  ];
  for (const band of stepBands(records).filter((b) => b.index % 2 === 1))
    parts.push(
      `<rect x="${f.x(band.from)}" y="${top}" width="${Math.max(0, f.x(band.to) - f.x(band.from))}" height="${f.panelHeight}" fill="#eef2f7" class="step-band"/>`,
    );
  for (const t of panel.thresholds)
    parts.push(
      `<line x1="${f.left}" x2="${f.right}" y1="${y(t.value)}" y2="${y(t.value)}" stroke="${t.color}" stroke-dasharray="5,4"/>`,
    );
  // The axis labels (the panel's top value, 0 and each threshold) spread so none overlaps another.
  const wanted = [
    { y: top + 10, text: panel.format(panel.max), color: "#000" },
    { y: top + f.panelHeight, text: "0", color: "#000" },
    ...panel.thresholds.map((t) => ({
      y: y(t.value) + 4,
      text: `${t.label} ${panel.format(t.value)}`,
      color: t.color,
    })),
  ];
  for (const label of spreadLabels(wanted, LABEL_GAP, top + 9, top + f.panelHeight + 8))
    parts.push(
      `<text x="${f.left - 4}" y="${label.at}" text-anchor="end" fill="${label.color}" class="axis-label">${escapeHtml(label.text)}</text>`,
    );
  return parts;
}

/** A panel's data: the series as a line (gaps where no value), each check's own rate as dots, "?" for no data. */
function panelData(panel: Panel, top: number, f: Frame): string[] {
  const y = (v: number) => top + f.panelHeight - (f.panelHeight * Math.min(v, panel.max)) / panel.max;
  const parts: string[] = [];
  let path = "";
  let pen = false;
  for (const p of panel.series) {
    if (p.value === null) {
      pen = false;
      parts.push(
        `<text x="${f.x(p.at)}" y="${top + f.panelHeight - 2}" text-anchor="middle" fill="#999">?</text>`,
      );
      continue;
    }
    path += `${pen ? "L" : "M"}${f.x(p.at).toFixed(1)},${y(p.value).toFixed(1)} `;
    pen = true;
  }
  if (path) parts.unshift(`<path d="${path.trim()}" fill="none" stroke="#2c3e50" stroke-width="1.5"/>`);
  for (const p of panel.perCheck ?? [])
    if (p.value !== null)
      parts.push(
        `<circle cx="${f.x(p.at).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="2.5" fill="#8e44ad" class="per-check" data-value="${p.value}"><title>#${p.seq} this check: ${escapeHtml(panel.format(p.value))}</title></circle>`,
      );
  return parts;
}

/** The inline SVG timeline: one panel per series, step bands, markers linked to their records, a time axis. */
export function timelineSvg(records: DecisionRecord[]): string {
  const width = 900;
  const panelHeight = 110;
  const left = 120;
  const right = width - 20;
  const list = panels(records);
  const height = list.length * (panelHeight + 30) + 30;
  const maxAt = Math.max(1, ...records.map((r) => r.at));
  const frame: Frame = {
    left,
    right,
    panelHeight,
    x: (at) => left + ((right - PLOT_END_PAD - left) * at) / maxAt,
  };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
  ];
  list.forEach((panel, i) => {
    const top = 20 + i * (panelHeight + 30);
    parts.push(...panelFrame(panel, top, frame, records), ...panelData(panel, top, frame));
  });
  // Markers for reverts and signal-caused holds, linked to their records; they run past the panels' borders.
  for (const r of records.filter(isNotable)) {
    const color = r.action === "revert" ? "#c0392b" : r.action === "promote" ? "#27ae60" : "#e67e22";
    const x = frame.x(r.at);
    parts.push(
      `<a href="#record-${r.seq}"><title>#${r.seq} ${escapeHtml(r.action)}: ${escapeHtml(r.reason)}</title><line x1="${x}" x2="${x}" y1="8" y2="${height - 16}" stroke="${color}" stroke-width="${r.action === "hold" ? 1 : 3}" opacity="${r.action === "hold" ? 0.35 : 0.9}" class="marker"/></a>`,
    );
  }
  parts.push(...timeAxis(records, frame.x, height, right), "</svg>");
  return parts.join("\n");
}

export function htmlReport({ state, records }: ReportInput): string {
  const rows = records
    .map((r) => {
      const signals = r.signals
        .map(
          (s) =>
            `<tr><td>${s.signal}</td><td>${escapeHtml(formatValue(s.signal, s.value))}</td><td>${s.sampleSize ?? "-"}</td><td>${escapeHtml(formatValue(s.signal, s.threshold.rollbackAbove))} ×${s.threshold.consecutive}</td><td>${escapeHtml(formatValue(s.signal, s.threshold.goAtMost))}</td><td>${s.counter}</td><td>${s.verdict}</td><td><code>${escapeHtml(s.query ?? "")}</code></td></tr>`,
        )
        .join("");
      // A plain baking hold stays unmarked: orange is for holds a signal caused.
      const cls = r.action !== "hold" ? r.action : isNotable(r) ? "hold" : "baking";
      return `<section id="record-${r.seq}" class="${cls}"><h3>#${r.seq} at ${r.at}s (${r.time}): step ${r.step}/${r.steps}, ${r.weight}% → ${r.verdict}, ${r.action.toUpperCase()}</h3><p>${escapeHtml(r.reason)}</p>${gateHtml(r)}<p class="bake">bake ${r.bake.elapsedSeconds}/${r.bake.bakeSeconds} s, evidence ${r.bake.requests}/${r.bake.minRequests} requests, inconclusive ${r.inconclusiveStreak}/${r.maxInconclusiveChecks}</p>${signals ? `<table><tr><th>signal</th><th>value</th><th>sample</th><th>roll back above</th><th>GO at most</th><th>counter</th><th>verdict</th><th>query</th></tr>${signals}</table>` : ""}</section>`;
    })
    .join("\n");
  const cause =
    state.causedBy === undefined
      ? ""
      : ` <a href="#record-${state.causedBy}">decision #${state.causedBy}</a>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ion-rollout ${escapeHtml(state.stage)}: ${outcomeWord(state, records).toLowerCase()}</title>
<style>
body{font-family:sans-serif;margin:2em;max-width:1100px} table{border-collapse:collapse;font-size:12px} td,th{border:1px solid #ddd;padding:2px 6px;text-align:left}
section{border-left:4px solid #ddd;padding:2px 10px;margin:6px 0} section.revert{border-color:#c0392b;background:#fdecea} section.hold{border-color:#e67e22} section.promote{border-color:#27ae60}
code{font-size:11px;word-break:break-all} .bake{color:#555;font-size:12px}
</style></head><body>
<h1>ion-rollout ${escapeHtml(state.stage)}: ${outcomeWord(state, records)}</h1>
<p>${escapeHtml(state.releases.canary.name)} (<code>${escapeHtml(state.releases.canary.image)}</code>) over ${escapeHtml(state.releases.stable.name)}. ${escapeHtml(state.reason ?? "")}${cause}</p>
<p>Started ${new Date(state.startedAt).toISOString()}; final weight ${state.weight}%.</p>
${timelineSvg(records)}
<p>Red: revert; orange: a hold a signal caused; green: promote. Each marker links to its decision record below.</p>
${evidenceSvg(records, Math.max(1, ...records.map((r) => r.at)))}
<h2>Decision records</h2>
${rows}
</body></html>
`;
}
