import { EvidenceSettingsSchema } from "../src/config/evidence";
import { evidenceRule, trafficLevel } from "../src/rollout/core/analysis/evidence-rules";
import { revertsNow } from "../src/rollout/core/evidence/judge";
import { initialCountEvidence, observeCounts } from "../src/rollout/core/evidence/state";
import { binomialDraw, mulberry32 } from "./simulate";
import { wilson95 } from "./stats";

/**
 * False reverts of a healthy canary (0.5%) under traffic patterns, judged by the rules the runner
 * uses (`evidenceRule` at `trafficLevel`: from each check's observed traffic, or the declared
 * mean): the guarantee must not depend on the pattern. Poisson requests per check around a mean
 * that is constant, diurnal (a day's cycle over the horizon, 5 to 100) or bursty (alternating
 * ~100 and ~1).
 */
const LIMITS = { rollbackAbove: 0.01, goAtMost: 0.005 };
const CHECKS = 60;
const RUNS = 40_000;

/** `declared`: what `expectedRequestsPerSecond` would give per check (the pattern's average). */
const PATTERNS: { name: string; mean: (t: number) => number; declared: number }[] = [
  { name: "constant 50", mean: () => 50, declared: 50 },
  { name: "diurnal 5–100", mean: (t) => 52.5 - 47.5 * Math.cos((2 * Math.PI * t) / CHECKS), declared: 52.5 },
  { name: "bursty ~100 / ~1", mean: (t) => (t % 2 === 0 ? 100 : 1), declared: 50.5 },
];

function poissonDraw(mean: number, random: () => number): number {
  // Knuth's product method: means here are at most ~100, split to keep exp(-mean) representable.
  let total = 0;
  for (let left = mean; left > 0; left -= 30) {
    const limit = Math.exp(-Math.min(30, left));
    let product = random();
    while (product > limit) {
      total++;
      product *= random();
    }
  }
  return total;
}

function falseReverts(pattern: (typeof PATTERNS)[number], declared: boolean, seed: number): number {
  const { mean } = pattern;
  const settings = EvidenceSettingsSchema.parse({});
  const random = mulberry32(seed);
  let reverted = 0;
  for (let run = 0; run < RUNS; run++) {
    let state = initialCountEvidence();
    for (let t = 0; t < CHECKS; t++) {
      const requests = poissonDraw(mean(t), random);
      const check = { requests, errors: binomialDraw(requests, LIMITS.goAtMost, random) };
      const rule = evidenceRule(
        LIMITS,
        settings,
        trafficLevel(declared ? pattern.declared : undefined, requests),
      );
      state = observeCounts(state, check, rule);
      if (requests > 0 && revertsNow(state, rule, check)) {
        reverted++;
        break;
      }
    }
  }
  return reverted;
}

/** Markdown lines: one row per pattern, with and without the expected traffic declared. */
export function trafficPatternLines(fmt: (p: number) => string): string[] {
  const alpha = EvidenceSettingsSchema.parse({}).alpha;
  const lines = [
    `False reverts of a healthy canary (0.5%) over ${CHECKS} checks by traffic pattern (${RUNS} seeded runs each; α = ${alpha}; Poisson requests per check):`,
    "",
    "| traffic | from observed traffic [95% CI] | expected traffic declared [95% CI] |",
    "| --- | --- | --- |",
  ];
  PATTERNS.forEach((pattern, i) => {
    const cells = [false, true].map((declared) => {
      const k = falseReverts(pattern, declared, 9000 + i * 2 + Number(declared));
      const [low, high] = wilson95(k, RUNS);
      return `${fmt(k / RUNS)} [${fmt(low)}, ${fmt(high)}]`;
    });
    lines.push(`| ${pattern.name} | ${cells.join(" | ")} |`);
  });
  return lines;
}

if (require.main === module) {
  const fmt = (p: number) => (p === 0 ? "0" : p.toExponential(1));
  process.stdout.write(`${trafficPatternLines(fmt).join("\n")}\n`);
}
