import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { DecisionRecord } from "../core/record";

/**
 * The rollout journal: append-only JSON lines, one decision record per check (and one per
 * operator action). `explain` prints it, the report charts it. A new rollout archives the
 * previous journal under its id.
 */

export function journalPath(dir: string, stage: string): string {
  return join(dir, `${stage}.journal.jsonl`);
}

export function appendRecord(dir: string, stage: string, record: DecisionRecord): void {
  mkdirSync(dir, { recursive: true });
  appendFileSync(journalPath(dir, stage), `${JSON.stringify(record)}\n`);
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
