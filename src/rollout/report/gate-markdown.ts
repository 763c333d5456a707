import type { DecisionRecord } from "../core/record";
import { escapeHtml, fencedBlock } from "../core/text/sanitise";

/** A gate decision's probes as Markdown, with each command's captured (bounded) output. */
export function gateMarkdown(record: DecisionRecord): string[] {
  const gate = record.gate;
  if (!gate) return [];
  const lines = ["| probe | target | result | summary |", "|---|---|---|---|"];
  const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
  for (const p of gate.probes) {
    lines.push(`| ${p.probe} | ${cell(p.target)} | ${p.passed ? "passed" : "FAILED"} | ${cell(p.summary)} |`);
  }
  for (const p of gate.probes.filter((probe) => probe.output !== undefined)) {
    lines.push("", `<details><summary>output of <code>${escapeHtml(cell(p.target))}</code></summary>`, "");
    lines.push(...fencedBlock(p.output ?? ""), "", "</details>");
  }
  return ["", ...lines, ""];
}
