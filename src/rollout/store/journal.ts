import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { DecisionRecord } from "../core/record";
import { redactDeep, secretValues } from "../core/text/redact";
import { storeIo } from "./io";

/**
 * The rollout journal: append-only JSON lines, one decision record per check (and one per
 * operator action). `explain` prints it, the report charts it. A new rollout archives the
 * previous journal under its id.
 */

export function journalPath(dir: string, stage: string): string {
  return join(dir, `${stage}.journal.jsonl`);
}

/**
 * Appends one record and fsyncs it: a decision is durable before the runner acts on it. Every
 * secret of the environment is redacted from it first (core/text/redact.ts).
 */
export function appendRecord(dir: string, stage: string, record: DecisionRecord): void {
  storeIo.mkdir(dir);
  const fd = storeIo.open(journalPath(dir, stage), "a", 0o644);
  try {
    storeIo.write(fd, `${JSON.stringify(redactDeep(record, secretValues(process.env)))}\n`);
    storeIo.fsync(fd, "journal");
  } finally {
    storeIo.close(fd);
  }
}

/** Reads every record; a torn last line (a crash mid-append) is skipped. */
export function readJournal(dir: string, stage: string): DecisionRecord[] {
  return readJournalFile(journalPath(dir, stage));
}

function readJournalFile(path: string): DecisionRecord[] {
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
  storeIo.rename(path, join(dir, `${stage}.${safe}.journal.jsonl`));
}

/** A past rollout's journal, moved aside by `archiveJournal`: its (file-safe) id and records. */
export interface ArchivedJournal {
  id: string;
  path: string;
  records: DecisionRecord[];
}

/** The archived journals of a stage, oldest first (ids start with the ISO start time). */
export function readArchivedJournals(dir: string, stage: string): ArchivedJournal[] {
  if (!existsSync(dir)) return [];
  const prefix = `${stage}.`;
  const suffix = ".journal.jsonl";
  return readdirSync(dir)
    .filter((name) => name.startsWith(prefix) && name.endsWith(suffix) && name !== `${stage}${suffix}`)
    .map((name) => name.slice(prefix.length, -suffix.length))
    .filter((id) => /^\d{4}-/.test(id))
    .sort()
    .map((id) => {
      const path = join(dir, `${prefix}${id}${suffix}`);
      return { id, path, records: readJournalFile(path) };
    });
}
