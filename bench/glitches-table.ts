import { percent } from "./stats";
import { markdown } from "./tables";

/** bench/results/glitches.json (`npm run bench:glitches`) and its Markdown table. */

export interface GlitchResults {
  command: string;
  runs: number;
  checks: number;
  requestsPerCheck: number;
  healthyRate: number;
  /** Share of counter readings that read one lower than the one before. */
  glitchShare: number;
  alpha: number;
  rules: { rule: string; reverted: number; rate: number; low: number; high: number }[];
  /** Wall seconds of the run (null: not recorded). */
  seconds: number | null;
}

export function renderGlitches(r: GlitchResults): string {
  const rows = r.rules.map((g) => [
    g.rule,
    `${g.reverted}/${r.runs}`,
    percent(g.rate, 2),
    `${percent(g.low, 2)}–${percent(g.high, 2)}`,
    percent(r.alpha, 2),
  ]);
  return [
    `Healthy canaries (${percent(r.healthyRate)} errors, ${r.requestsPerCheck} requests a check, ${r.checks} checks) whose every ` +
      `counter reading reads one lower on ${percent(r.glitchShare)} of readings, judged by prod's sequential analysis, ` +
      `${r.runs.toLocaleString("en-US")} runs per rule. \`${r.command}\`${r.seconds === null ? "" : `, ${r.seconds} s`}.`,
    "",
    markdown([["lower reading", "falsely reverted", "rate", "Wilson 95%", "α"], ...rows]),
  ].join("\n");
}
