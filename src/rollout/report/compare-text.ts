import type { Comparison, DecisionBrief, SideSummary } from "../core/backtest/compare";

/** `backtest --compare` for people: both outcomes, the first divergence, the cost of the later revert. */

function outcome(side: SideSummary): string {
  if (side.outcome === "reverted") return `reverted at ${side.revertedAt} s (check ${side.endCheck})`;
  if (side.outcome === "promoted") return `promoted at check ${side.endCheck}`;
  return `incomplete after ${side.decisions} checks (no revert, no promotion)`;
}

function decision(name: string, d: DecisionBrief | null): string {
  if (!d) return `  ${name}: (no decision: its replay had already ended)`;
  return `  ${name}: step ${d.step} at ${d.weight}%  ${d.verdict} -> ${d.action}: ${d.reason}`;
}

export function formatComparison(c: Comparison): string {
  const width = Math.max(c.a.label.length, c.b.label.length);
  const lines = [
    `A ${c.a.label.padEnd(width)}  ${outcome(c.a)}`,
    `B ${c.b.label.padEnd(width)}  ${outcome(c.b)}`,
  ];
  if (!c.divergence) {
    lines.push("", "same decision at every check.");
    return `${lines.join("\n")}\n`;
  }
  lines.push("", `first divergence: check ${c.divergence.check} at ${c.divergence.at} s`);
  lines.push(decision("A", c.divergence.a), decision("B", c.divergence.b));
  if (c.earlierRevert) {
    const first = c.earlierRevert === "a" ? "A" : "B";
    const second = first === "A" ? "B" : "A";
    const failed = `${c.failedRequestsLetThrough} failed canary requests (5xx in the trace)`;
    const gaps = c.checksWithoutData > 0 ? `; ${c.checksWithoutData} checks without data not counted` : "";
    lines.push(
      "",
      c.revertGapSeconds === null
        ? `${first} reverts; ${second} never does: ${failed} after ${first}'s revert, to the end of the trace${gaps}.`
        : `${first} reverts ${c.revertGapSeconds} s earlier; ${second}'s later revert let through ${failed}${gaps}.`,
    );
  }
  return `${lines.join("\n")}\n`;
}
