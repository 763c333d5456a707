import { wilson95 } from "./stats";
import { type EvidenceResults, fmtP, markdown } from "./tables";

/**
 * The runbook's plain rule against the current rule, from bench/results/evidence.json (`npm run
 * bench:evidence`: both through the runner's decision path on the same draws): a healthy canary,
 * a mildly bad one and a clearly bad one at each traffic level.
 */
const RATES = [0.005, 0.015, 0.05];

export function renderRunbookComparison(e: EvidenceResults): string {
  const rows = e.rows
    .filter((r) => RATES.includes(r.rate))
    .map((r) => {
      const k = Math.round(r.runbook * e.runs);
      const [low, high] = wilson95(k, e.runs);
      const s = r.simulated;
      const checks = r.checksToRevert.median === null ? "" : ` (median ${r.checksToRevert.median} checks)`;
      return [
        `${r.requests}`,
        `${fmtP(r.rate)}${r.rate <= 0.005 ? " (healthy)" : ""}`,
        `${fmtP(r.runbook)} [${fmtP(low)}, ${fmtP(high)}]`,
        `${fmtP(s.estimate)} [${fmtP(s.estimate === 0 ? 0 : s.low)}, ${fmtP(s.high)}]${checks}`,
      ];
    });
  return [
    `Share of canaries reverted within ${e.checks} checks, the runbook's plain rule (> 1% in 3 checks in a row) and ` +
      `the current rule each through the runner's decision path on the same draws (prod stage declaring that traffic); ` +
      `${e.runs.toLocaleString("en-US")} seeded runs per row, 95% Wilson intervals. From bench/results/evidence.json: \`${e.command}\`.`,
    "",
    markdown([["req/check", "canary error rate", "runbook rule reverts", "current rule reverts"], ...rows]),
  ].join("\n");
}
