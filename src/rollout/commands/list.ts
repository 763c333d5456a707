import { existsSync } from "node:fs";
import { join } from "node:path";
import { EXIT } from "../core/outcome";
import { outcomeWord } from "../core/outcome-word";
import type { DecisionRecord } from "../core/record";
import type { RolloutState } from "../core/state";
import { type CommonOptions, loadConfig, noRollout, recordsOf, type Streams, stateDirOf } from "./common";

/** `list`: the stage's rollouts, past (archived journals) and current (the state), oldest first. */

export interface RolloutSummary {
  id: string;
  canary: string;
  /** ISO time the rollout started, from its first record. */
  startedAt: string | null;
  /** PROMOTED / REVERTED / REFUSED (before any traffic) / HELD / FAILED / RUNNING, or UNFINISHED for a journal that stops mid-way. */
  outcome: string;
  /** The canary weight it ended at (or serves now). */
  weight: number | null;
  records: number;
  reason: string | null;
  report: string | null;
}

/** A journal's id is `<ISO start>-<canary>` with its `:` made file-safe. */
function canaryOf(id: string): string {
  return id.replace(/^\d{4}-\d\d-\d\dT[\d.-]+Z-/, "");
}

function outcomeOf(records: DecisionRecord[]): string {
  const last = records.at(-1);
  if (!last) return "UNFINISHED";
  if (last.action === "revert") return records.every((r) => r.weight === 0) ? "REFUSED" : "REVERTED";
  if (last.action === "promote" || last.action === "retire") return "PROMOTED";
  if (last.action === "hold" && last.timedOut) return "HELD";
  return "UNFINISHED";
}

function startOf(records: DecisionRecord[]): string | null {
  const first = records[0];
  if (!first) return null;
  return new Date(Date.parse(first.time) - first.at * 1000).toISOString();
}

function summarise(id: string, records: DecisionRecord[], reports: string, stage: string): RolloutSummary {
  const last = records.at(-1);
  const report = join(reports, `${stage}-${id.replace(/[^A-Za-z0-9_.-]/g, "-")}.html`);
  return {
    id,
    canary: canaryOf(id),
    startedAt: startOf(records),
    outcome: outcomeOf(records),
    weight: last?.nextWeight ?? null,
    records: records.length,
    reason: last?.reason ?? null,
    report: existsSync(report) ? report : null,
  };
}

function current(state: RolloutState, records: DecisionRecord[], reports: string): RolloutSummary {
  return {
    ...summarise(state.id, records, reports, state.stage),
    canary: state.releases.canary.name,
    startedAt: new Date(state.startedAt).toISOString(),
    outcome: outcomeWord(state, records),
    weight: state.weight,
    reason: state.reason ?? state.lastDecision?.reason ?? null,
  };
}

export function formatSummary(s: RolloutSummary): string {
  const at = s.weight === null ? "" : ` at ${s.weight}%`;
  const head = `${s.startedAt ?? "(no records)"}  ${s.canary}  ${s.outcome}${at}, ${s.records} records`;
  const lines = [head];
  if (s.reason) lines.push(`  ${s.reason}`);
  if (s.report) lines.push(`  report: ${s.report}`);
  return lines.join("\n");
}

export async function listCommand(stage: string, options: CommonOptions, io: Streams): Promise<number> {
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  const dir = stateDirOf(cfg, options);
  const reports = join(dir, "reports");
  const stored = recordsOf(cfg, options);
  const state = await stored.readState();
  const archived = await stored.readArchivedJournals(state?.id);
  const rollouts = archived.map((j) => summarise(j.id, j.records, reports, stage));
  if (state) rollouts.push(current(state, await stored.readJournal(state.id), reports));
  if (rollouts.length === 0)
    return noRollout(io, options, stage, `no rollout of ${stage} recorded in ${stored.description}`);
  if (options.json) io.out(`${JSON.stringify({ stage, rollouts }, null, 2)}\n`);
  else io.out(`${rollouts.map(formatSummary).join("\n")}\n`);
  return EXIT.ok;
}
