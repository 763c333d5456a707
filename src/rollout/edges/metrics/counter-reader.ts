import type { CounterSnapshot, SampleContext } from "../../core/sample/sample";

/** What the counter reads of one sample share with its other queries. */
export interface CounterRead {
  /** Evaluation instant of the sample, epoch ms (the reader subtracts the ingestion delay). */
  at: number;
  context: SampleContext;
  /** A bearer token, when the backend needs one (already fetched once per sample). */
  token: string | undefined;
  /** Aborts this sample's queries. */
  signal: AbortSignal;
  /** The runner's signal: when it aborted, the read rethrows its reason instead of recording an error. */
  outer: AbortSignal | undefined;
  errors: string[];
  queries: Record<string, string>;
}

/**
 * Reads the counts the sequential analysis's ledger folds (src/rollout/core/sample/ledger.ts): raw
 * cumulative counters (Prometheus) or per-period counts (Cloud Monitoring DELTA points). Undefined
 * when a read failed (its error is recorded: the check is inconclusive).
 */
export interface CounterReader {
  read(request: CounterRead): Promise<CounterSnapshot | undefined>;
}
