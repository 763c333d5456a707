import type { DecisionRecord } from "../core/record";
import { escapeHtml } from "../core/text/sanitise";

/** A gate decision's probes for the HTML report, each command's bounded output in a <pre>. */
export function gateHtml(record: DecisionRecord): string {
  const gate = record.gate;
  if (!gate) return "";
  const rows = gate.probes
    .map(
      (p) =>
        `<tr><td>${escapeHtml(p.probe)}</td><td>${escapeHtml(p.target)}</td><td>${p.passed ? "passed" : "FAILED"}</td><td>${escapeHtml(p.summary)}</td></tr>`,
    )
    .join("");
  const outputs = gate.probes
    .filter((p) => p.output !== undefined)
    .map(
      (p) =>
        `<details><summary>output of ${escapeHtml(p.target)}</summary><pre>${escapeHtml(p.output ?? "")}</pre></details>`,
    )
    .join("");
  return `<table><tr><th>probe</th><th>target</th><th>result</th><th>summary</th></tr>${rows}</table>${outputs}`;
}
