import type { SignalName } from "../core/analysis";
import type { DecisionRecord } from "../core/record";
import { escapeHtml, markdownFence } from "../core/sanitise";
import type { RolloutState } from "../core/state";
import { evidenceMarkdown, evidenceSvg } from "./evidence-curve";
import { gateHtml } from "./gate-html";
import { gateMarkdown } from "./gate-markdown";
import { formatValue } from "./progress";

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

/** A record worth pointing at: a revert, a promotion, or a hold that a signal (not the bake clock) caused. */
export function isNotable(record: DecisionRecord): boolean {
  return (
    record.action === "revert" ||
    record.action === "promote" ||
    (record.action === "hold" && (record.verdict !== "GO" || !!record.timedOut))
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

function summaryLine(state: RolloutState): string {
  const { canary, stable } = state.releases;
  return `**${state.status.toUpperCase()}** ${markdownText(canary.name)} (${markdownText(canary.image)}) over ${markdownText(stable.name)} on ${markdownText(state.stage)}: ${markdownText(state.reason ?? "")}`;
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
    `## ion-rollout ${markdownText(state.stage)}: ${state.status}`,
    "",
    summaryLine(state),
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
  thresholds: Array<{ value: number; label: string; color: string }>;
  format: (v: number) => string;
  max: number;
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
    const values = [...points.map((p) => p.value ?? 0), ...thresholds.map((x) => x.value)];
    result.push({
      title: TITLES[signal],
      series: points.map(({ at, value, seq }) => ({ at, value, seq })),
      thresholds,
      format: (v) => formatValue(signal, v),
      max: Math.max(...values, 1e-9) * 1.15,
    });
  }
  return result;
}

interface Geometry {
  width: number;
  panelHeight: number;
  left: number;
  right: number;
  /** The x coordinate of a time (seconds since the start). */
  x: (at: number) => number;
}

/** One panel of the timeline at `top`: frame, scale, threshold lines, the series, "?" for no data. */
function panelSvg(panel: Panel, top: number, { width, panelHeight, left, right, x }: Geometry): string[] {
  const y = (v: number) => top + panelHeight - (panelHeight * Math.min(v, panel.max)) / panel.max;
  const parts = [
    `<text x="4" y="${top - 4}" font-weight="bold">${escapeHtml(panel.title)}</text>`,
    `<rect x="${left}" y="${top}" width="${width - left - right}" height="${panelHeight}" fill="#fafafa" stroke="#ccc"/>`,
    `<text x="${left - 4}" y="${top + 10}" text-anchor="end">${escapeHtml(panel.format(panel.max))}</text>`,
    `<text x="${left - 4}" y="${top + panelHeight}" text-anchor="end">0</text>`,
  ];
  for (const t of panel.thresholds) {
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${y(t.value)}" y2="${y(t.value)}" stroke="${t.color}" stroke-dasharray="5,4"/>`,
      `<text x="${left - 4}" y="${y(t.value) + 4}" text-anchor="end" fill="${t.color}">${escapeHtml(`${t.label} ${panel.format(t.value)}`)}</text>`,
    );
  }
  let path = "";
  let pen = false;
  for (const p of panel.series) {
    if (p.value === null) {
      pen = false;
      continue;
    }
    path += `${pen ? "L" : "M"}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)} `;
    pen = true;
  }
  if (path) parts.push(`<path d="${path.trim()}" fill="none" stroke="#2c3e50" stroke-width="1.5"/>`);
  for (const p of panel.series) {
    if (p.value === null) {
      parts.push(
        `<text x="${x(p.at)}" y="${top + panelHeight - 2}" text-anchor="middle" fill="#999">?</text>`,
      );
    }
  }
  return parts;
}

/** The inline SVG timeline. */
export function timelineSvg(records: DecisionRecord[]): string {
  const width = 900;
  const panelHeight = 110;
  const left = 90;
  const right = 20;
  const list = panels(records);
  const height = list.length * (panelHeight + 30) + 30;
  const maxAt = Math.max(1, ...records.map((r) => r.at));
  const x = (at: number) => left + ((width - left - right) * at) / maxAt;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
  ];
  list.forEach((panel, i) => {
    parts.push(...panelSvg(panel, 20 + i * (panelHeight + 30), { width, panelHeight, left, right, x }));
  });
  // Markers for reverts and signal-caused holds, linked to their records.
  for (const r of records.filter(isNotable)) {
    const color = r.action === "revert" ? "#c0392b" : r.action === "promote" ? "#27ae60" : "#e67e22";
    parts.push(
      `<a href="#record-${r.seq}"><title>#${r.seq} ${escapeHtml(r.action)}: ${escapeHtml(r.reason)}</title><line x1="${x(r.at)}" x2="${x(r.at)}" y1="14" y2="${height - 20}" stroke="${color}" stroke-width="${r.action === "hold" ? 1 : 2}" opacity="${r.action === "hold" ? 0.35 : 0.9}"/></a>`,
    );
  }
  parts.push(
    `<text x="${left}" y="${height - 4}">0 s</text>`,
    `<text x="${width - right}" y="${height - 4}" text-anchor="end">${maxAt} s</text>`,
  );
  parts.push("</svg>");
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
      const cls = r.action === "revert" ? "revert" : r.action === "hold" && isNotable(r) ? "hold" : r.action;
      return `<section id="record-${r.seq}" class="${cls}"><h3>#${r.seq} at ${r.at}s (${r.time}): step ${r.step}/${r.steps}, ${r.weight}% → ${r.verdict}, ${r.action.toUpperCase()}</h3><p>${escapeHtml(r.reason)}</p>${gateHtml(r)}<p class="bake">bake ${r.bake.elapsedSeconds}/${r.bake.bakeSeconds} s, evidence ${r.bake.requests}/${r.bake.minRequests} requests, inconclusive ${r.inconclusiveStreak}/${r.maxInconclusiveChecks}</p>${signals ? `<table><tr><th>signal</th><th>value</th><th>sample</th><th>roll back above</th><th>GO at most</th><th>counter</th><th>verdict</th><th>query</th></tr>${signals}</table>` : ""}</section>`;
    })
    .join("\n");
  const cause =
    state.causedBy === undefined
      ? ""
      : ` <a href="#record-${state.causedBy}">decision #${state.causedBy}</a>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ion-rollout ${escapeHtml(state.stage)}: ${state.status}</title>
<style>
body{font-family:sans-serif;margin:2em;max-width:1100px} table{border-collapse:collapse;font-size:12px} td,th{border:1px solid #ddd;padding:2px 6px;text-align:left}
section{border-left:4px solid #ddd;padding:2px 10px;margin:6px 0} section.revert{border-color:#c0392b;background:#fdecea} section.hold{border-color:#e67e22} section.promote{border-color:#27ae60}
code{font-size:11px;word-break:break-all} .bake{color:#555;font-size:12px}
</style></head><body>
<h1>ion-rollout ${escapeHtml(state.stage)}: ${state.status.toUpperCase()}</h1>
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
