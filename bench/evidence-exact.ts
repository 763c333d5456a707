import { EvidenceSettingsSchema } from "../src/config/evidence";
import { evidenceRule } from "../src/rollout/core/analysis/evidence-rules";
import { exactRevert } from "../src/rollout/core/evidence/exact";
import { neymanPearsonPower } from "./np-ceiling";

/**
 * `npx tsx bench/evidence-exact.ts`: the revert rule's exact figures (joint DP) at 3, 15 and 50
 * requests per check over 60 checks, the bars, the share of the Neyman–Pearson ceiling at 1.5%,
 * and a 20% fault's first-check revert. Seconds, where `npm run bench:evidence` takes minutes.
 */
const LIMITS = { rollbackAbove: 0.01, goAtMost: 0.005 };
const RATES = [0.005, 0.008, 0.01, 0.015];

const settings = EvidenceSettingsSchema.parse({});
console.log(
  "| req/check | cumulative bar | change-point bar | 0.5% | 0.8% | 1% | 1.5% | 1.5% / NP ceiling | 20%, first check |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const n of [3, 15, 50]) {
  const rule = evidenceRule(LIMITS, settings, n);
  const reverted = RATES.map(
    (rate) => exactRevert(Array.from({ length: 60 }, () => ({ requests: n, rate, rule }))).reverted,
  );
  const [healthy = 0, , , moderate = 0] = reverted;
  const share = moderate / neymanPearsonPower(n * 60, LIMITS.goAtMost, 0.015, healthy);
  const first = exactRevert([{ requests: n, rate: 0.2, rule }]).reverted;
  const bars = [rule.cumulativeLogBar, rule.changePointLogBar].map((b) => Math.exp(b).toExponential(2));
  const cells = [...bars, ...reverted.map((p) => p.toExponential(2)), share.toFixed(2), first.toFixed(4)];
  console.log(`| ${n} | ${cells.join(" | ")} |`);
}
