import { fmtP, markdown } from "./tables";

/** bench/results/evidence-exact.json (`npm run bench:exact`) and its Markdown table. */

export interface ExactResults {
  command: string;
  checks: number;
  rates: number[];
  ceilingRate: number;
  faultRate: number;
  rows: {
    requests: number;
    cumulativeBar: number;
    changePointBar: number;
    /** Exact revert probability within `checks`, one per rate of `rates`. */
    reverted: number[];
    /** Revert probability at `ceilingRate` over the Neyman–Pearson ceiling at the same false reverts. */
    shareOfCeiling: number;
    /** Exact revert probability of one check at `faultRate`, from a fresh state. */
    firstCheck: number;
  }[];
  seconds: number;
}

export function renderExact(r: ExactResults): string {
  const header = [
    "req/check",
    "cumulative bar",
    "change-point bar",
    ...r.rates.map((rate) => `${fmtP(rate)}`),
    `${fmtP(r.ceilingRate)} / NP ceiling`,
    `${fmtP(r.faultRate)}, first check`,
  ];
  const rows = r.rows.map((row) => [
    `${row.requests}`,
    row.cumulativeBar.toExponential(2),
    row.changePointBar.toExponential(2),
    ...row.reverted.map((p) => p.toExponential(2)),
    row.shareOfCeiling.toFixed(2),
    row.firstCheck.toFixed(4),
  ]);
  return [
    `Exact revert probabilities (joint DP over binomial counts, no runs) within ${r.checks} checks by true error rate, ` +
      `on the rule the runner selects for that declared traffic on prod; the ceiling is the Neyman–Pearson test's power ` +
      `over all ${r.checks} checks' requests at the same false-revert rate. \`${r.command}\`, ${r.seconds} s.`,
    "",
    markdown([header, ...rows]),
  ].join("\n");
}
