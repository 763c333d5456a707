import type { EvidenceRecord, SignalName, SignalThresholdView, Verdict } from "./analysis/types";
import type { GateRecord } from "./gate/types";
import type { MeasuredRecord } from "./sample/measured";
import { terminalSafe } from "./text/sanitise";

/** What a decision does: the backtest's and the journal's vocabulary. */
export type ActionKind = "advance" | "hold" | "revert" | "promote";
/** What a journal record may say was done: a check's action, or an operator retiring the old side. */
export type RecordAction = ActionKind | "retire";

/** One signal's part of a decision: what was asked, what came back, what it was compared with. */
export interface SignalRecord {
  signal: SignalName;
  /** The rendered query (PromQL or CloudWatch), when the metrics source reported it. */
  query?: string;
  value: number | null;
  /** Canary requests behind the value (error rate). */
  sampleSize: number | null;
  threshold: SignalThresholdView;
  verdict: Verdict;
  /** Breaches in a row including this check, of `threshold.consecutive`. */
  counter: number;
  breach: boolean;
  reason: string;
  detail?: Record<string, number | string | boolean | null>;
  /** Sequential analysis: S, N, the evidence, its bar and the count that would revert now. */
  evidence?: EvidenceRecord;
}

/**
 * The decision record: one per check, appended to the journal, printed by `explain`, carried by
 * backtest decisions, linked from the report.
 */
export interface DecisionRecord {
  /** 1-based sequence number in the rollout's journal. */
  seq: number;
  /** Seconds since the rollout started. */
  at: number;
  /** Wall-clock time (ISO 8601). */
  time: string;
  /** 1-based step number and the plan's step count. */
  step: number;
  steps: number;
  /** Canary weight in force while the check was measured. */
  weight: number;
  verdict: Verdict;
  action: RecordAction;
  /** The one-line reason for the action. */
  reason: string;
  /** Every reason behind the verdict and the action. */
  reasons: string[];
  signals: SignalRecord[];
  /**
   * A check's measurements as judged: each side's raw sample (incl. `slow`) and, under the
   * sequential analysis, the ledger's counts. Absent from operator records and older journals.
   */
  measured?: MeasuredRecord;
  bake: {
    elapsedSeconds: number;
    bakeSeconds: number;
    requests: number;
    minRequests: number;
    maxSeconds: number | null;
  };
  inconclusiveStreak: number;
  maxInconclusiveChecks: number;
  /** Weight after the action. */
  nextWeight: number;
  /** The step ran past `maxStepSeconds`. */
  timedOut?: boolean;
  /** A pre-traffic gate or post-promotion check: each probe's outcome (and a command's output). */
  gate?: GateRecord;
}

function value(signal: SignalName, v: number | null): string {
  if (v === null) return "no data";
  if (signal === "p95LatencyMs") return `${+v.toFixed(1)} ms`;
  if (signal === "health") return `${v}`;
  return `${+(v * 100).toFixed(3)}%`;
}

function limit(signal: SignalName, v: number | undefined): string {
  return v === undefined ? "-" : value(signal, v);
}

/** A decision record as text for people (`explain`, the report). */
export function formatRecord(record: DecisionRecord): string {
  const lines = [
    `#${record.seq} at ${record.at}s (${record.time}) step ${record.step}/${record.steps} weight ${record.weight}% -> ${record.verdict}, ${record.action.toUpperCase()}: ${record.reason}`,
    `  bake ${record.bake.elapsedSeconds}/${record.bake.bakeSeconds} s, evidence ${record.bake.requests}/${record.bake.minRequests} requests, inconclusive ${record.inconclusiveStreak}/${record.maxInconclusiveChecks}`,
  ];
  for (const s of record.signals) {
    const t = s.threshold;
    lines.push(
      `  ${s.signal.padEnd(13)} ${s.verdict.padEnd(12)} value ${value(s.signal, s.value)}` +
        `${s.sampleSize === null ? "" : ` n=${s.sampleSize}`}` +
        ` | roll back > ${limit(s.signal, t.rollbackAbove)} x${t.consecutive} (now ${s.counter}) | GO <= ${limit(s.signal, t.goAtMost)}`,
    );
    lines.push(`    ${s.reason}`);
    if (s.evidence) lines.push(`    ${formatEvidence(s.evidence)}`);
    if (s.query) for (const q of s.query.split("\n")) lines.push(`    query: ${q}`);
  }
  for (const p of record.gate?.probes ?? []) {
    lines.push(
      `  ${p.probe.padEnd(13)} ${(p.passed ? "passed" : "FAILED").padEnd(12)} ${p.target}: ${p.summary}`,
    );
    if (p.output) for (const line of p.output.split("\n")) lines.push(`    | ${line}`);
  }
  // A journal is outside text too (an older runner's, or edited): nothing in it drives the terminal.
  return terminalSafe(lines.join("\n"));
}

function sci(x: number): string {
  if (x === 0) return "0";
  return x >= 0.01 && x < 1e5 ? `${+x.toPrecision(3)}` : x.toExponential(2);
}

/** S, N, the evidence against its bars and the count that would revert now, on one line. */
export function formatEvidence(e: EvidenceRecord): string {
  return (
    `evidence S=${e.errors} N=${e.requests} | E ${sci(e.e)} (bar ${sci(e.bar)}) | change-point ${sci(e.changePoint)} (bar ${sci(e.changePointBar)})` +
    ` | GO gate ${sci(e.go)} (bar ${sci(e.goBar)}${e.withinLimit ? ", within the limit" : ""}) | ${e.wouldRevert}`
  );
}

/** Where a record stands in its rollout: its seq, time, step and the weight in force. */
export interface RecordPosition {
  seq: number;
  at: number;
  startedAtMs: number;
  step: number;
  steps: number;
  weight: number;
}

/** A record for an action no check decided: an operator's abort or promote, an interrupt, a failed apply. */
export function actionRecord(
  input: RecordPosition & {
    action: RecordAction;
    reason: string;
    nextWeight: number;
  },
): DecisionRecord {
  return {
    seq: input.seq,
    at: input.at,
    time: new Date(input.startedAtMs + input.at * 1000).toISOString(),
    step: input.step,
    steps: input.steps,
    weight: input.weight,
    verdict: "INCONCLUSIVE",
    action: input.action,
    reason: input.reason,
    reasons: [input.reason],
    signals: [],
    bake: { elapsedSeconds: 0, bakeSeconds: 0, requests: 0, minRequests: 0, maxSeconds: null },
    inconclusiveStreak: 0,
    maxInconclusiveChecks: 0,
    nextWeight: input.nextWeight,
  };
}
