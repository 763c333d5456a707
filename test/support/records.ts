import { join } from "node:path";
import type { DecisionRecord } from "../../src/rollout/core/record";
import type { RolloutState } from "../../src/rollout/core/state";
import { LocalDirectoryStore } from "../../src/rollout/store/backends/local-directory";
import { recordsInDirectory } from "../../src/rollout/store/local-records";
import type { OperatorRequest, TakenRequest } from "../../src/rollout/store/requests";
import { journalIdOf, type LeftRequest, type RolloutRecords } from "../../src/rollout/store/rollout-records";

/**
 * The rollout records a stage keeps in its state directory (its store when `rollout.store` is the
 * default directory), as the tests read, seed and damage them: every access goes through the
 * records module and the local directory store, as the runner's own.
 */

export function recordsIn(dir: string, stage: string): RolloutRecords {
  return recordsInDirectory(dir, stage);
}

export function readState(dir: string, stage: string): Promise<RolloutState | undefined> {
  return recordsIn(dir, stage).readState();
}

/** The journal of the rollout the stored state names (empty without a state). */
export function readJournal(dir: string, stage: string): Promise<DecisionRecord[]> {
  return recordsIn(dir, stage).readCurrentJournal();
}

/** Seeds a state as a runner would have left it. */
export function writeState(dir: string, state: RolloutState): Promise<void> {
  return recordsIn(dir, state.stage).writeState(state);
}

/** Seeds a journal record of rollout `rolloutId`. */
export function appendRecord(
  dir: string,
  stage: string,
  rolloutId: string,
  record: DecisionRecord,
): Promise<void> {
  return recordsIn(dir, stage).appendRecord(rolloutId, record);
}

export function writeRequest(dir: string, stage: string, request: OperatorRequest): Promise<LeftRequest> {
  return recordsIn(dir, stage).writeRequest(request);
}

export function takeRequest(
  dir: string,
  stage: string,
  rolloutId: string | undefined,
): Promise<TakenRequest | undefined> {
  return recordsIn(dir, stage).takeRequest(rolloutId);
}

/** Replaces the stored text at the records' `key` with `text` (a damaged state, a torn journal). */
export async function writeRaw(dir: string, key: string, text: string): Promise<void> {
  const store = new LocalDirectoryStore(dir);
  const found = await store.read(key);
  await store.write(key, text, found ? { ifVersion: found.version } : { ifAbsent: true });
}

/** The stored text at `key`, undefined when absent. */
export async function readRaw(dir: string, key: string): Promise<string | undefined> {
  return (await new LocalDirectoryStore(dir).read(key))?.text;
}

export const stateKey = (stage: string): string => `stages/${stage}/state.json`;
export const requestKey = (stage: string): string => `stages/${stage}/request.json`;
export const journalKey = (stage: string, rolloutId: string): string =>
  `stages/${stage}/journals/${journalIdOf(rolloutId)}.jsonl`;

/** The file the local directory store keeps `key` in (its first line is the store's version header). */
export function fileOf(dir: string, key: string): string {
  return join(dir, ...key.split("/"));
}
