import { fmtP, markdown } from "./tables";

/** bench/results/traffic.json (`npm run bench:traffic`) and its Markdown table. */

export interface TrafficCell {
  reverted: number;
  estimate: number;
  low: number;
  high: number;
}

export interface TrafficResults {
  command: string;
  runs: number;
  checks: number;
  healthyRate: number;
  alpha: number;
  patterns: { name: string; declaredPerCheck: number; observed: TrafficCell; declared: TrafficCell }[];
  seconds: number;
}

const cell = (c: TrafficCell) => `${fmtP(c.estimate)} [${fmtP(c.low)}, ${fmtP(c.high)}] (${c.reverted})`;

export function renderTrafficPatterns(r: TrafficResults): string {
  const rows = r.patterns.map((p) => [p.name, `${p.declaredPerCheck}`, cell(p.observed), cell(p.declared)]);
  return [
    `False reverts of a healthy canary (${fmtP(r.healthyRate)} errors) over ${r.checks} checks by traffic pattern, ` +
      `through the runner's decision path (\`decideCheck\`, prod's rule): Poisson requests per check, ` +
      `${r.runs.toLocaleString("en-US")} seeded runs per cell, 95% Wilson intervals, reverted runs in brackets; α = ${r.alpha}. ` +
      `\`${r.command}\`, ${r.seconds} s.`,
    "",
    markdown([
      [
        "traffic",
        "declared req/check",
        "each check judged at its own traffic [95% CI]",
        "expected traffic declared [95% CI]",
      ],
      ...rows,
    ]),
  ].join("\n");
}
