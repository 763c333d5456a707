import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { DecisionRecord } from "../core/record";
import { redactDeep, secretValues } from "../core/redact";

/**
 * The rollout journal: append-only JSON lines, one decision record per check (and one per
 * operator action). `explain` prints it, the report charts it. A new rollout archives the
 * previous journal under its id.
 */

export function journalPath(dir: string, stage: string): string {
  return join(dir, `${stage}.journal.jsonl`);
}

/** Writes a journal line: the seam a test replaces to see each append and its fsync. */
export const journalIo = { open: openSync, write: writeSync, fsync: fsyncSync, close: closeSync };

/**
 * Appends one record and fsyncs it: a decision is durable before the runner acts on it. Every
 * secret of the environment is redacted from it first (core/redact.ts).
 */
export function appendRecord(dir: string, stage: string, record: DecisionRecord): void {
  mkdirSync(dir, { recursive: true });
  const fd = journalIo.open(journalPath(dir, stage), "a", 0o644);
  try {
    journalIo.write(fd, `${JSON.stringify(redactDeep(record, secretValues(process.env)))}\n`);
    journalIo.fsync(fd);
  } finally {
    journalIo.close(fd);
  }
}

/** Reads every record; a torn last line (a crash mid-append) is skipped. */
export function readJournal(dir: string, stage: string): DecisionRecord[] {
  const path = journalPath(dir, stage);
  if (!existsSync(path)) return [];
  const records: DecisionRecord[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as DecisionRecord);
    } catch {
      // An incomplete final line from a crash; the state file is the source of truth.
    }
  }
  return records;
}

/** Moves the previous rollout's journal aside so the new one starts empty. */
export function archiveJournal(dir: string, stage: string, previousId: string): void {
  const path = journalPath(dir, stage);
  if (!existsSync(path)) return;
  const safe = previousId.replace(/[^A-Za-z0-9_.-]/g, "-");
  renameSync(path, join(dir, `${stage}.${safe}.journal.jsonl`));
}
