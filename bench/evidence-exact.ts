import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadStageConfig } from "../src/config";
import { evidenceRule, trafficLevel } from "../src/rollout/core/analysis/evidence-rules";
import { exactRevert } from "../src/rollout/core/evidence/exact";
import { type ExactResults, renderExact } from "./exact-table";
import { neymanPearsonPower } from "./np-ceiling";

/**
 * `npm run bench:exact`: the error-rate rule's exact figures (joint DP over binomial counts, no
 * simulation) at 3, 15 and 50 requests per check over 60 checks, on the rule the runner selects
 * for that declared traffic on prod: the bars, the revert probability by true rate, the share of
 * the Neyman–Pearson ceiling at 1.5%, and a 20% fault's revert at a first check. Seconds, where
 * `npm run bench:evidence` takes minutes. Writes bench/results/evidence-exact.json (docs/ tables
 * come from it: `npm run bench:docs`).
 */

const PROJECT_DIR = resolve(__dirname, "..");
export const EXACT_FILE = join(PROJECT_DIR, "bench", "results", "evidence-exact.json");
const CHECKS = 60;
const LEVELS = [3, 15, 50];
const RATES = [0.005, 0.008, 0.01, 0.015];
const CEILING_RATE = 0.015;
const FAULT_RATE = 0.2;

function main(): void {
  const started = performance.now();
  const cfg = loadStageConfig("prod", join(PROJECT_DIR, "Pulumi.prod.yaml"));
  const { rollbackAbove, goAtMost } = cfg.thresholds.errorRate;
  if (rollbackAbove === undefined) throw new RangeError("prod needs thresholds.errorRate.rollbackAbove");
  const rows = LEVELS.map((requests) => {
    const rule = evidenceRule(
      { rollbackAbove, goAtMost },
      cfg.thresholds.errorRate.evidence,
      trafficLevel(requests, requests),
    );
    const revertAt = (rate: number, checks: number) =>
      exactRevert(Array.from({ length: checks }, () => ({ requests, rate, rule }))).reverted;
    const reverted = RATES.map((rate) => revertAt(rate, CHECKS));
    const healthy = revertAt(goAtMost, CHECKS);
    const ceiling = neymanPearsonPower(requests * CHECKS, goAtMost, CEILING_RATE, healthy);
    return {
      requests,
      cumulativeBar: Math.exp(rule.cumulativeLogBar),
      changePointBar: Math.exp(rule.changePointLogBar),
      reverted,
      shareOfCeiling: revertAt(CEILING_RATE, CHECKS) / ceiling,
      firstCheck: revertAt(FAULT_RATE, 1),
    };
  });
  const output: ExactResults = {
    command: "npm run bench:exact",
    checks: CHECKS,
    rates: RATES,
    ceilingRate: CEILING_RATE,
    faultRate: FAULT_RATE,
    rows,
    seconds: Math.round((performance.now() - started) / 1000),
  };
  mkdirSync(join(PROJECT_DIR, "bench", "results"), { recursive: true });
  writeFileSync(EXACT_FILE, `${JSON.stringify(output, null, 1)}\n`);
  process.stdout.write(`${renderExact(output)}\nwritten: bench/results/evidence-exact.json\n`);
}

if (require.main === module) main();
