import type { LATE_FAULT, LateFaultResult } from "./late-fault";
import type { CellResult, Interval, RuleStats } from "./rollout-cell";
import { DIURNAL, OUTCOMES, RULE_NAMES } from "./rollout-sim";

/**
 * Markdown tables from the bench's results files (bench/results/*.json): the one renderer the
 * bench prints with and `npm run bench:docs` writes into docs/, so a table in docs/ is always
 * the last bench's figures.
 */

export interface RolloutResults {
  command: string;
  runs: number;
  rareRuns: number;
  plan: {
    steps: number[];
    bakeSeconds: number[];
    checkIntervalSeconds: number;
    maxStepSeconds: number | null;
    minRequestsPerStep: number;
    plannedMinutes: number;
    plannedWithChecksMinutes: number;
  };
  cells: CellResult[];
  lateFault: { scenario: typeof LATE_FAULT; runs: LateFaultResult[] };
  seconds: number;
}

export function fmtP(p: number): string {
  if (p === 0) return "0";
  if (p < 1e-30) return "<1e-30";
  if (p < 0.001) return p.toExponential(1);
  return `${(p * 100).toFixed(p < 0.1 ? 2 : 1)}%`;
}

/** An estimate with its interval; a weighted estimate that underflowed is only bounded. */
const ci = (i: Interval) =>
  i.high < 1e-30 ? "<1e-30" : `${fmtP(i.estimate)} (${fmtP(lowOf(i))}–${fmtP(i.high)})`;

/** Nothing observed has a lower bound of exactly 0 (the Wilson formula leaves float noise). */
const lowOf = (i: Interval) => (i.estimate === 0 ? 0 : i.low);

export function markdown(rows: string[][]): string {
  const [head, ...body] = rows;
  const line = (r: string[]) => `| ${r.join(" | ")} |`;
  return [line(head ?? []), line((head ?? []).map(() => "---")), ...body.map(line)].join("\n");
}

const RULE_LABELS: Record<(typeof RULE_NAMES)[number], string> = {
  current: "current",
  runbook: "runbook",
  flagger: "Flagger-style",
};

function outcomeCell(stats: RuleStats, outcome: (typeof OUTCOMES)[number]): string {
  if (stats.rare?.outcome === outcome) return `${ci(stats.rare)}*`;
  return ci(stats.outcomes[outcome]);
}

function revertWeights(stats: RuleStats): string {
  const total = stats.outcomes.reverted.count;
  if (total === 0) return "–";
  return Object.entries(stats.revertWeights)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([w, n]) => `${w}%: ${Math.round((100 * n) / total)}%`)
    .join(", ");
}

function row(cell: CellResult, name: (typeof RULE_NAMES)[number]): string[] {
  const s = cell.rules[name];
  const m = s.promoteMinutes;
  return [
    cell.perMinute.toLocaleString("en-US"),
    cell.diurnal ? "diurnal" : "constant",
    `${+(cell.rate * 100).toFixed(2)}%`,
    RULE_LABELS[name],
    ...OUTCOMES.map((o) => outcomeCell(s, o)),
    revertWeights(s),
    m.median === null ? "–" : `${m.median} / ${m.p90}`,
    ci(s.promotedWithinPlan),
    ci(s.promotedWithinTwicePlan),
    `${s.failedRequests.mean.toFixed(1)} / ${s.failedRequests.median}`,
  ];
}

export function renderRollouts(r: RolloutResults): string {
  const p = r.plan;
  const bake = [...new Set(p.bakeSeconds)].map((s) => `${s / 60} min`).join("/");
  const header = [
    "T (req/min at 100%)",
    "traffic",
    "canary error rate",
    "rule",
    "promoted",
    "stalled (step limit)",
    "reverted",
    "reverts by weight",
    `minutes to promote, median / p90 (plan ${p.plannedMinutes})`,
    `promoted within ${p.plannedWithChecksMinutes} min`,
    `within ${2 * p.plannedWithChecksMinutes} min`,
    "failed canary requests, mean / median",
  ];
  const rows = r.cells.flatMap((c) => RULE_NAMES.map((n) => row(c, n)));
  return [
    `Prod plan: steps ${p.steps.join("/")}%, bake ${bake}, a check every ${p.checkIntervalSeconds} s, ` +
      `maxStepSeconds ${p.maxStepSeconds ?? "none"}, minRequestsPerStep ${p.minRequestsPerStep}; planned ${p.plannedMinutes} min ` +
      `(${p.plannedWithChecksMinutes} with one check per step). ${r.runs.toLocaleString("en-US")} runs per cell, the three rules on the same draws; ` +
      `95% Wilson intervals. * = importance sampling (${r.rareRuns.toLocaleString("en-US")} runs, a defensive mixture of the true rate and a tilted one, ` +
      `each run weighted by its likelihood ratio), used for a rule's rare outcome (a healthy canary reverted, a bad one promoted) ` +
      `when the plain runs saw it fewer than 50 times. Failed canary requests: errors the canary served until the outcome. ` +
      `Diurnal traffic: T is the day's mean, a sine from ${Math.round((1 - DIURNAL.amplitude) * 100)}% to ${Math.round((1 + DIURNAL.amplitude) * 100)}% of it, each run starting at its own time of day. ` +
      `\`${r.command}\`, ${r.seconds} s.`,
    "",
    markdown([header, ...rows]),
  ].join("\n");
}

export function renderLateFault(r: RolloutResults): string {
  const s = r.lateFault.scenario;
  const lines = r.lateFault.runs.map((run) => {
    const how = run.declared
      ? `${s.cleanRequests.toLocaleString("en-US")} requests per check declared (the step's rule stays the one calibrated for ${s.cleanRequests.toLocaleString("en-US")})`
      : `no traffic declared (each check judged at its own traffic level: ${s.faultRequests} requests round up to ${2 ** Math.ceil(Math.log2(s.faultRequests))})`;
    const need =
      run.errorsNeeded === null
        ? `no count of ${s.faultRequests} errors reverts it`
        : `the faulty check reverts from ${run.errorsNeeded} errors of ${s.faultRequests} (median over runs; exactly, P(Bin(${s.faultRequests}, ${s.faultRate * 100}%) ≥ ${run.errorsNeeded}) = ${fmtP(upperTail(s.faultRequests, s.faultRate, run.errorsNeeded))})`;
    return `- ${how}: **${fmtP(run.estimate)}** (95% CI ${fmtP(run.low)}–${fmtP(run.high)}) of ${run.runs.toLocaleString("en-US")} runs; ${need}; reverted during the clean checks: ${run.revertedWhileClean}.`;
  });
  let enough = 0;
  while (upperTail(s.faultRequests, s.faultRate, enough + 1) >= 0.98) enough++;
  const target = `Reverting ≥ 98% of such checks needs a revert from ${enough} errors of ${s.faultRequests} (P(Bin(${s.faultRequests}, ${s.faultRate * 100}%) ≥ ${enough}) = ${fmtP(upperTail(s.faultRequests, s.faultRate, enough))}).`;
  return [
    `Late hard fault, through the runner's decision path: ${s.cleanChecks} clean checks of ${s.cleanRequests.toLocaleString("en-US")} requests at the GO level, then a check of ${s.faultRequests} requests at ${s.faultRate * 100}% errors; share reverted at that first faulty check (\`${r.command}\`):`,
    "",
    ...lines,
    "",
    target,
  ].join("\n");
}

/** P(X ≥ k) for X ~ Bin(n, p), summed exactly. */
function upperTail(n: number, p: number, k: number): number {
  let pmf = (1 - p) ** n;
  let below = 0;
  for (let i = 0; i < k; i++) {
    below += pmf;
    pmf *= ((n - i) / (i + 1)) * (p / (1 - p));
  }
  return Math.max(0, 1 - below);
}

export interface EvidenceRow {
  requests: number;
  rate: number;
  /** Exact revert probability over the checks (equal bounds up to 50 req/check). */
  exact: { low: number; high: number };
  simulated: Interval;
  checksToRevert: { median: number | null; p90: number | null };
  failedBeforeRevert: number | null;
  ceiling: number | null;
  runbook: number;
}

export interface EvidenceResults {
  command: string;
  runs: number;
  checks: number;
  checkIntervalSeconds: number;
  alpha: number;
  cumulativeBar: number;
  changePointBars: Record<string, number>;
  rows: EvidenceRow[];
  goAtLimit: { checks: number; pass: number }[];
  seconds: number;
}

function evidenceRow(r: EvidenceRow, interval: number): string[] {
  const exact =
    r.exact.low === r.exact.high ? fmtP(r.exact.high) : `${fmtP(r.exact.low)}–${fmtP(r.exact.high)}`;
  const c = r.checksToRevert;
  const seconds = (n: number | null) => (n === null ? "–" : `${n * interval}`);
  return [
    `${r.requests}`,
    `${(r.rate * 100).toFixed(1)}%`,
    exact,
    `${fmtP(r.simulated.estimate)} [${fmtP(lowOf(r.simulated))}, ${fmtP(r.simulated.high)}]`,
    `${c.median ?? "–"} / ${c.p90 ?? "–"}`,
    `${seconds(c.median)} / ${seconds(c.p90)}`,
    `${r.failedBeforeRevert ?? "–"}`,
    r.ceiling === null ? "–" : fmtP(r.ceiling),
    r.ceiling === null ? "–" : (Math.min(r.exact.high, 1) / r.ceiling).toFixed(2),
    fmtP(r.runbook),
  ];
}

export function renderEvidence(e: EvidenceResults): string {
  const bars = Object.entries(e.changePointBars)
    .map(([n, bar]) => `${n}: ${bar.toExponential(2)}`)
    .join(", ");
  const header = [
    "req/check",
    "true rate",
    `reverted in ${e.checks} checks (exact)`,
    "runner's path, simulated [95% CI]",
    "checks to revert median / p90",
    `seconds (${e.checkIntervalSeconds} s checks)`,
    "failed req. before revert (median)",
    "NP ceiling at same FR",
    "share of ceiling",
    "runbook rule (runner's path, same draws)",
  ];
  const go = e.goAtLimit.map((g) => `${fmtP(g.pass)} over ${g.checks} checks`).join(", ");
  return [
    `α = ${e.alpha}; cumulative bar ${e.cumulativeBar.toFixed(0)}; change-point bars by requests per check: ${bars}. ` +
      `Exact: joint DP up to 50 req/check; above, "a–b" bounds it (larger / sum of the two tests' exact crossing probabilities), ` +
      `on the rule the runner selects for that traffic. Simulated: ${e.runs.toLocaleString("en-US")} seeded runs each through the runner's decision path ` +
      `(the prod stage declaring that traffic). \`${e.command}\`, ${e.seconds} s.`,
    "",
    markdown([header, ...e.rows.map((r) => evidenceRow(r, e.checkIntervalSeconds))]),
    "",
    `GO gate at the limit (1%, 15 req/check), exact chance to pass: ${go}.`,
  ].join("\n");
}
