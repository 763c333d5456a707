import type { LiveRun } from "./live";
import type { PopulationResult, RuleRates } from "./population";
import { median, percent, wilson95 } from "./stats";
import { markdown } from "./tables";

/**
 * bench/results/live.json (`npm run bench`'s live part, `bench/main.ts`, when it ran on the
 * rehearsal environment) and its two Markdown tables: fault to revert, and the low-traffic
 * population.
 */

type Population = PopulationResult & { withCompareToStable: RuleRates };

export interface LiveResults {
  command: string;
  at: string;
  population: Population;
  populationLarge: Population;
  live: {
    requestsPerSecond: number;
    checkIntervalSeconds: number;
    scrapeIntervalSeconds?: number;
    consecutive?: number;
    fault: { errorRate: number };
    checkFloorSeconds: number;
    scrapeFloorSeconds: number;
    runs: LiveRun[];
  };
  seconds: number;
}

const range = (values: number[], digits: number) =>
  values.length === 0
    ? "–"
    : `${median(values)?.toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;

export function renderLiveRevert(r: LiveResults): string {
  const l = r.live;
  const weights = [...new Set(l.runs.map((run) => run.faultAtWeight))].sort((a, b) => a - b);
  const rows = weights.map((weight) => {
    const runs = l.runs.filter((run) => run.faultAtWeight === weight);
    const latency = runs.flatMap((run) =>
      run.breachToRevertSeconds === null ? [] : [run.breachToRevertSeconds],
    );
    const failed = runs.flatMap((run) =>
      run.failedCanaryRequests === null ? [] : [run.failedCanaryRequests],
    );
    return [
      `${weight}%`,
      `${runs.length}`,
      `${runs.filter((run) => run.exitCode === 2).length}`,
      `${range(latency, 1)} s`,
      `${l.checkFloorSeconds} s`,
      `${l.scrapeFloorSeconds} s`,
      range(failed, 0),
    ];
  });
  return [
    `Rehearsal environment (real HAProxy, Prometheus and CLI), ${l.requestsPerSecond} requests/s, a check every ` +
      `${l.checkIntervalSeconds} s, fault ${percent(l.fault.errorRate, 0)} errors switched on at the weight; ` +
      `median (range) over the runs. \`${r.command}\` at ${r.at}.`,
    "",
    markdown([
      [
        "fault at",
        "runs",
        "reverted",
        "fault → 0%",
        "floor: check × N",
        "floor: scrape × N",
        "failed canary requests",
      ],
      ...rows,
    ]),
  ].join("\n");
}

function rate(k: number, n: number): string {
  const [low, high] = wilson95(k, n);
  return `${percent(k / n)} (${k}/${n}; 95% CI ${percent(low)}–${percent(high)})`;
}

function populationRows(p: Population): string[][] {
  const n = p.options.canaries;
  const row = (name: string, rates: RuleRates) => [
    `${name}, ${n.toLocaleString("en-US")} + ${n.toLocaleString("en-US")}`,
    rate(rates.falseReverts, n),
    rate(rates.detections, n),
    rates.meanChecksToDetect === null ? "–" : rates.meanChecksToDetect.toFixed(1),
  ];
  return [
    row("runbook rule", p.plainRule),
    row("ion-rollout analysis", p.analysis),
    row("analysis + compareToStable (2×, 99%)", p.withCompareToStable),
  ];
}

export function renderPopulation(r: LiveResults): string {
  const o = r.population.options;
  return [
    `Low-traffic canaries: healthy (${percent(o.baselineErrorRate)} errors) and degraded (${o.degradedFactor}×), ` +
      `${o.requestsPerCheck} requests per check, each watched ${o.checks} checks, the runbook's plain rule (> 1% in 3 checks ` +
      `in a row) and the analysis (prod thresholds) on the same draws (\`simulateRules\`). \`${r.command}\` at ${r.at}.`,
    "",
    markdown([
      [
        `population (${o.requestsPerCheck} requests/check, ${o.checks} checks)`,
        `false reverts (healthy ${percent(o.baselineErrorRate)})`,
        `detections (degraded ${percent(o.baselineErrorRate * o.degradedFactor)})`,
        "mean checks to detect",
      ],
      ...populationRows(r.population),
      ...populationRows(r.populationLarge),
    ]),
  ].join("\n");
}
