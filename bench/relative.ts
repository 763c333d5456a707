import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type RelativeResults, renderRelative } from "./relative-table";
import { relativeFalseAlarmRate } from "./simulate";
import { wilson95 } from "./stats";

/**
 * `npm run bench:relative`: the optional canary-vs-stable check (`compareToStable`, factor 2,
 * confidence 0.99) on simulated blocks: how often it calls a healthy canary worse (both sides at
 * 0.5%), at three traffic levels, and how often it catches a canary 4× worse than stable. Seconds.
 * Writes bench/results/relative.json (docs/ tables come from it: `npm run bench:docs`).
 */

const PROJECT_DIR = resolve(__dirname, "..");
export const RELATIVE_FILE = join(PROJECT_DIR, "bench", "results", "relative.json");
const TRIALS = 100_000;
const CHECK = { worseByFactor: 2, confidence: 0.99 };
const CASES = [
  { canaryRequests: 60, stableRequests: 1140, stableRate: 0.005, canaryRate: 0.005 },
  { canaryRequests: 300, stableRequests: 5700, stableRate: 0.005, canaryRate: 0.005 },
  { canaryRequests: 5000, stableRequests: 95_000, stableRate: 0.005, canaryRate: 0.005 },
  { canaryRequests: 5000, stableRequests: 95_000, stableRate: 0.002, canaryRate: 0.008 },
];

function main(): void {
  const started = performance.now();
  const rows = CASES.map((c, i) => {
    const rate = relativeFalseAlarmRate({
      errorRate: c.stableRate,
      canaryErrorRate: c.canaryRate,
      canaryRequests: c.canaryRequests,
      stableRequests: c.stableRequests,
      ...CHECK,
      trials: TRIALS,
      seed: 31 + i,
    });
    const alarms = Math.round(rate * TRIALS);
    const [low, high] = wilson95(alarms, TRIALS);
    return { ...c, alarms, rate, low, high };
  });
  const output: RelativeResults = {
    command: "npm run bench:relative",
    trials: TRIALS,
    ...CHECK,
    rows,
    seconds: Math.round((performance.now() - started) / 1000),
  };
  mkdirSync(join(PROJECT_DIR, "bench", "results"), { recursive: true });
  writeFileSync(RELATIVE_FILE, `${JSON.stringify(output, null, 1)}\n`);
  process.stdout.write(`${renderRelative(output)}\nwritten: bench/results/relative.json\n`);
}

if (require.main === module) main();
