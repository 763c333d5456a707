import { fmtP, markdown } from "./tables";

/** bench/results/relative.json (`npm run bench:relative`) and its Markdown table. */

export interface RelativeResults {
  command: string;
  trials: number;
  worseByFactor: number;
  confidence: number;
  rows: {
    canaryRequests: number;
    stableRequests: number;
    canaryRate: number;
    stableRate: number;
    alarms: number;
    rate: number;
    low: number;
    high: number;
  }[];
  seconds: number;
}

export function renderRelative(r: RelativeResults): string {
  const rows = r.rows.map((row) => [
    row.canaryRequests.toLocaleString("en-US"),
    row.stableRequests.toLocaleString("en-US"),
    `${fmtP(row.canaryRate)} / ${fmtP(row.stableRate)}${row.canaryRate === row.stableRate ? " (healthy)" : ""}`,
    `${fmtP(row.rate)} [${fmtP(row.low)}, ${fmtP(row.high)}] (${row.alarms.toLocaleString("en-US")})`,
  ]);
  return [
    `\`compareToStable\` (factor ${r.worseByFactor}, confidence ${r.confidence}) on simulated blocks, ` +
      `${r.trials.toLocaleString("en-US")} per row, 95% Wilson intervals: with both sides at the same rate the share ` +
      `called worse is its false-alarm rate (nominal ${fmtP(1 - r.confidence)}), with the canary worse it is its power. ` +
      `\`${r.command}\`, ${r.seconds} s.`,
    "",
    markdown([
      ["canary requests", "stable requests", "canary / stable error rate", "blocks called worse"],
      ...rows,
    ]),
  ].join("\n");
}
