import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { basename } from "node:path";
import type { DecisionRecord } from "../core/record";
import { type ParsedTrace, parseTraceDocument, TraceError } from "../core/trace/format";
import { traceFromJournal } from "../core/trace/from-journal";
import { MAX_CHECK_CHARS } from "../core/trace/stream";

/**
 * What `backtest` replays: a trace (JSON, `ion-rollout trace` or hand-written) or a past rollout's
 * journal (one decision record per line: `<stateDir>/stages/<stage>/journals/<rollout id>.jsonl`,
 * or the object copied from a bucket), told apart by content.
 */
export type BacktestInput = ParsedTrace & { kind: "trace" | "journal" };

/** What `backtest` reads whole (a journal): its size, and the longest line it parses. */
export interface InputLimits {
  maxFileBytes: number;
  maxLineChars: number;
}

/** A journal of a long rollout is a few MB; a trace of any size is streamed, never read whole. */
export const INPUT_LIMITS: InputLimits = { maxFileBytes: 256 * 2 ** 20, maxLineChars: MAX_CHECK_CHARS };

/**
 * Throws unless `file` is a regular file: a FIFO or a device would make the backtest wait for a
 * writer forever (or read without end), a directory cannot be read.
 */
export function assertRegularFile(file: string): number {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(file);
  } catch (error) {
    throw new TraceError(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (!stats.isFile()) {
    const kind = stats.isFIFO() ? "a FIFO" : stats.isDirectory() ? "a directory" : "a device or socket";
    throw new TraceError(
      `${file} is not a regular file (${kind}): backtest reads a trace or journal file; save the stream to a file first (e.g. cat > trace.json)`,
    );
  }
  return stats.size;
}

function journalRecords(text: string, maxLineChars: number): DecisionRecord[] | undefined {
  const lines = text.split("\n");
  const records: DecisionRecord[] = [];
  let last = lines.length - 1;
  while (last > 0 && !lines[last]?.trim()) last--;
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    if (line.length > maxLineChars)
      throw new TraceError(
        `journal line ${i + 1} is longer than ${maxLineChars} characters; is this file a journal?`,
      );
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // A torn last line (a crash mid-append) is skipped, as `explain` does.
      if (i === last && records.length > 0) break;
      return undefined;
    }
    // The local directory store's first line is its version header, not a record.
    if (i === 0 && isStoreHeader(value)) continue;
    if (typeof value !== "object" || value === null || !("seq" in value) || !("signals" in value))
      return undefined;
    records.push(value as DecisionRecord);
  }
  return records.length > 0 ? records : undefined;
}

/** `{"version":"…","updatedAtMs":…}`: the header store/backends/local-directory.ts puts on each file. */
function isStoreHeader(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const header = value as Record<string, unknown>;
  return (
    Object.keys(header).length === 2 &&
    typeof header.version === "string" &&
    typeof header.updatedAtMs === "number"
  );
}

export function readBacktestInput(file: string, stage: string, limits = INPUT_LIMITS): BacktestInput {
  const size = assertRegularFile(file);
  if (size > limits.maxFileBytes) {
    throw new TraceError(
      `${basename(file)} is ${size} bytes, more than ${limits.maxFileBytes} that backtest reads whole (a journal); a trace (JSON) of any size is streamed`,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new TraceError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const records = journalRecords(text, limits.maxLineChars);
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
    // A journal kept by the local directory store starts with the store's version header line.
    const header = /^\{"version":"[^"\n]*","updatedAtMs":\d+\}\n/;
    return /^\s*\{\s*"seq"\s*:/.test(head.subarray(0, read).toString("utf8").replace(header, ""));
  } finally {
    closeSync(fd);
  }
}
