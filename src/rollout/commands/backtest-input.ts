import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { basename } from "node:path";
import type { DecisionRecord } from "../core/record";
import { type ParsedTrace, parseTraceDocument, TraceError } from "../core/trace";
import { traceFromJournal } from "../core/trace-from-journal";

/**
 * What `backtest` replays: a trace (JSON, `ion-rollout trace` or hand-written) or a past rollout's
 * journal (`<stateDir>/<stage>.journal.jsonl`, one decision record per line), told apart by content.
 */
export type BacktestInput = ParsedTrace & { kind: "trace" | "journal" };

function journalRecords(text: string): DecisionRecord[] | undefined {
  const lines = text.split("\n").filter((line) => line.trim());
  const records: DecisionRecord[] = [];
  for (const [i, line] of lines.entries()) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // A torn last line (a crash mid-append) is skipped, as `explain` does.
      if (i === lines.length - 1 && records.length > 0) break;
      return undefined;
    }
    if (typeof value !== "object" || value === null || !("seq" in value) || !("signals" in value))
      return undefined;
    records.push(value as DecisionRecord);
  }
  return records.length > 0 ? records : undefined;
}

export function readBacktestInput(file: string, stage: string): BacktestInput {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new TraceError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const records = journalRecords(text);
  if (records) {
    let document: unknown;
    try {
      document = traceFromJournal(records, { stage, file: basename(file) });
    } catch (error) {
      throw new TraceError((error as Error).message);
    }
    return { ...parseTraceDocument(document, basename(file)), kind: "journal" };
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new TraceError(
      `${file} is neither a trace (JSON) nor a journal (JSON lines of decision records): ${(error as Error).message}`,
    );
  }
  return { ...parseTraceDocument(document, basename(file)), kind: "trace" };
}

/**
 * A journal is JSON lines of decision records; a trace is one JSON document. Tells them apart from
 * the file's first bytes, so a trace of any size can be streamed without reading it whole.
 */
export function isJournalFile(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(256);
    const read = readSync(fd, head, 0, head.length, 0);
    return /^\s*\{\s*"seq"\s*:/.test(head.subarray(0, read).toString("utf8"));
  } finally {
    closeSync(fd);
  }
}
