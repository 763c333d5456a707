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

/**
 * The README's one-sentence summary of the exact table: the worst false-revert rate of a healthy
 * canary over the traffic levels, the catch of the ceiling rate at the middle level and its share
 * of the Neyman–Pearson ceiling, and the first-check revert of a hard fault at the highest level.
 */
export function renderExactSummary(r: ExactResults): string {
  const healthy = Math.max(...r.rows.map((row) => row.reverted[0] ?? 0));
  const middle = r.rows[Math.floor((r.rows.length - 1) / 2)];
  const top = r.rows[r.rows.length - 1];
  if (!middle || !top) throw new Error("evidence-exact.json has no rows: run `npm run bench:exact`");
  const ceilingIndex = r.rates.indexOf(r.ceilingRate);
  const levels = r.rows.map((row) => row.requests).join(", ");
  return (
    `Computed exactly (\`${r.command}\`: dynamic programming over binomial counts, no runs), on the rule the runner selects at ${levels} requests per check: ` +
    `healthy canaries (${fmtP(r.rates[0] ?? 0)} errors) are falsely reverted within ${r.checks} checks at most ${(healthy * 1e4).toFixed(1)} in 10,000; ` +
    `at ${middle.requests} requests per check a ${fmtP(r.ceilingRate)} canary is caught within ${r.checks} checks ${fmtP(middle.reverted[ceilingIndex] ?? 0)} of the time, ` +
    `${middle.shareOfCeiling.toFixed(2)} of the best any rule can do at that false-revert rate; ` +
    `a ${fmtP(r.faultRate)} fault at ${top.requests} requests per check is reverted at its first check ${fmtP(top.firstCheck)} of the time.`
  );
}
