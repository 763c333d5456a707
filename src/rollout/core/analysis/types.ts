import type { RelativeEvidenceState } from "../evidence/relative";
import type { CountEvidenceState } from "../evidence/state";
import type { CounterLedger, LedgerDeltas } from "../sample/ledger";
import type { CounterSnapshot, SideSample } from "../sample/sample";

/** The vocabulary of one check's judgement, shared by the analysis modules (no logic here). */

export type Verdict = "GO" | "OBSERVE" | "NO-GO" | "INCONCLUSIVE";
export type SignalName = "errorRate" | "p95LatencyMs" | "memory" | "cpu" | "health";
export const SIGNAL_NAMES: SignalName[] = ["errorRate", "p95LatencyMs", "memory", "cpu", "health"];

/** One check's measurements, as the runner samples them or a backtest trace records them. */
export interface Check {
  /** Seconds since the rollout started. */
  at: number;
  canary: SideSample;
  stable: SideSample;
  /** Raw cumulative counter readings (sequential analysis: counts that add up). */
  counters?: CounterSnapshot;
  /**
   * The counts a ledger took from raw counters at this check, as a journal recorded them
   * (`measured.deltas`): a replay judges these instead of the windows' counts. Ignored when
   * `counters` is present.
   */
  deltas?: LedgerDeltas;
  /** Rendered queries by signal (for the decision record). */
  queries?: Record<string, string>;
  /** Errors from the metrics backend: the check is inconclusive. */
  errors?: string[];
}

/** `analysis: consecutive`: error-rate evidence pooled over checks until it is big enough to judge. */
export interface ErrorBlock {
  checks: number;
  requests: number;
  errors: number;
  /** Stable counts over the same checks; null once any check lacked them. */
  stableRequests: number | null;
  stableErrors: number | null;
  /** `at` of the block's first check (a breach's duration is counted in time from there). */
  startedAt?: number;
}

/** `analysis: sequential`: the evidence, kept across steps, gaps and resume. */
export interface SequentialState {
  errorRate: CountEvidenceState;
  /** Requests slower than the P95 limit, out of requests measured by the latency histogram. */
  slow: CountEvidenceState;
  /** Canary vs stable (compareToStable); null when not configured. */
  relative: RelativeEvidenceState | null;
  /** Last raw counter readings, so each check's counts are exact differences. */
  ledger: CounterLedger | null;
}

export interface AnalysisState {
  /** Consecutive breaches per signal (judged blocks for error rate under `consecutive`). */
  counters: Record<SignalName, number>;
  /** `at` of the first breaching check of each signal's current streak (durations by time). */
  breachSince?: Partial<Record<SignalName, number>>;
  /** Overall INCONCLUSIVE checks in a row. */
  inconclusiveStreak: number;
  block: ErrorBlock;
  evidence?: SequentialState;
  /**
   * `analysis: consecutive` over counted periods (Cloud Monitoring): the ledger of what was
   * counted, so each check judges only the new periods (analysis/counted-check.ts).
   */
  ledger?: CounterLedger | null;
}

export interface SignalThresholdView {
  rollbackAbove?: number;
  goAtMost?: number;
  /** Breaches in a row that mean NO-GO (`forSeconds` shown in checks). */
  consecutive: number;
  /** A sustained breach that means NO-GO, in seconds, when the threshold gives a duration. */
  forSeconds?: number;
  /** Error rate only. */
  minRequests?: number;
  confidence?: number;
  compareToStable?: { worseByFactor: number; confidence: number };
}

/** Where a count signal's sequential evidence stands after a check: S, N, value, bar, what would revert. */
export interface EvidenceRecord {
  /** Cumulative canary requests N and errors (or slow requests) S since the canary took traffic. */
  requests: number;
  errors: number;
  /** Cumulative mixture e-value and its bar. */
  e: number;
  bar: number;
  /** The change-point (CUSUM) statistic and its bar for this step's traffic. */
  changePoint: number;
  changePointBar: number;
  /** The GO gate's e-value and the bar it must reach before a step may advance. */
  go: number;
  goBar: number;
  withinLimit: boolean;
  /** Evidence the canary is above the GO level, and the bar at which a step holds on it (OBSERVE). */
  aboveGo: number;
  aboveGoBar: number;
  /** The fewest errors among the next 100 requests that would revert now (null: none would). */
  errorsToRevertIn100: number | null;
  /** "6 errors in the next 100 requests would revert". */
  wouldRevert: string;
  /** This check's counts. */
  check: { requests: number; errors: number };
}

export interface SignalVerdict {
  signal: SignalName;
  verdict: Verdict;
  /** Breaches in a row including this check (judged blocks for error rate). */
  counter: number;
  breach: boolean;
  /** The measured canary value (error rate of the judged or pending block). */
  value: number | null;
  /** Canary requests behind the value. */
  sampleSize: number | null;
  threshold: SignalThresholdView;
  query?: string;
  reason: string;
  /** Statistics behind an error-rate judgement, stable's value, block size. */
  detail?: Record<string, number | string | boolean | null>;
  /** The sequential evidence behind the verdict (`analysis: sequential`). */
  evidence?: EvidenceRecord;
}

export interface CheckAnalysis {
  verdict: Verdict;
  signals: SignalVerdict[];
  /** One line per signal that is not GO, plus backend errors. */
  reasons: string[];
  state: AnalysisState;
}

const RANK: Record<Verdict, number> = { GO: 0, OBSERVE: 1, INCONCLUSIVE: 2, "NO-GO": 3 };

/** The worst of several verdicts: NO-GO > INCONCLUSIVE > OBSERVE > GO. */
export function worst(verdicts: Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((a, b) => (RANK[b] > RANK[a] ? b : a), "GO");
}

export function isNumber(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

export function pct(value: number): string {
  return `${+(value * 100).toFixed(3)}%`;
}

export function queryOf(check: Check, ...keys: string[]): string | undefined {
  const found = keys.map((key) => check.queries?.[key]).filter((q): q is string => typeof q === "string");
  return found.length > 0 ? found.join("\n") : undefined;
}
