import type { MedianEstimate, TradeoffResults } from "./failed-tradeoff";
import { fmtP, markdown } from "./tables";

/** bench/results/failed-tradeoff.json (`npm run bench:tradeoff`) as a Markdown table. */

const n = (x: number) => x.toLocaleString("en-US");
const med = (m: MedianEstimate | undefined) => (m ? `${m.median} [${m.low}–${m.high}]` : "–");

export function renderFailedTradeoff(r: TradeoffResults): string {
  const header = [
    "alpha (0.5% reverted at most)",
    `holdRevertAtMost (${fmtP(r.rates.observe)} reverted at most)`,
    "errors of 50 that revert one check",
    "no rule below: from alpha / from the hold",
    ...r.perMinute.map((t) => `this rule, T = ${n(t)}`),
  ];
  const rows = r.rows.map((row) => [
    String(row.setting.alpha),
    fmtP(row.setting.holdRevertAtMost),
    row.oneCheckOf50 === null ? "–" : String(row.oneCheckOf50),
    `${row.ceilings.healthy.medianFailed} / ${row.ceilings.observe.medianFailed}`,
    ...r.perMinute.map((t) => med(row.current[String(t)])),
  ]);
  const runbook = [
    "runbook rule, same draws",
    "",
    "",
    "",
    ...r.perMinute.map((t) => med(r.runbook[String(t)])),
  ];
  return [
    `Failed requests a ${fmtP(r.rates.bad)} canary serves until its outcome on the prod plan (median, 95% ` +
      `order-statistic interval; ${n(r.runs)} runs per cell through the runner's decision path, every setting ` +
      `and the runbook rule on the same draws), with the rule's \`alpha\` and \`holdRevertAtMost\` changed and ` +
      `nothing else. "No rule below": the median failed requests at the first N where the most powerful ` +
      `test of N requests reaches power ½ while reverting a ${fmtP(r.rates.healthy)} canary at most alpha ` +
      `(or a ${fmtP(r.rates.observe)} one at most holdRevertAtMost); a rule held to both cannot go below ` +
      `the larger. \`${r.command}\`, ${r.seconds} s.`,
    "",
    markdown([header, ...rows, runbook]),
  ].join("\n");
}
