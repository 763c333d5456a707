import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { RolloutState } from "../core/state";
import { stateShapeProblem } from "../core/state-shape";
import { fsyncDirectory, storeIo } from "./io";

/**
 * Durable rollout state: one JSON file per stage in the state directory, replaced atomically
 * (write a temp file, fsync, rename) so a crash leaves either the old or the new state, never half.
 * It holds what `resume` needs to continue where the runner stopped, including the current step's
 * bake clock (its start time) and the canary requests it has seen.
 */

export function statePath(dir: string, stage: string): string {
  return join(dir, `${stage}.json`);
}

/** The state file exists but cannot be used: empty, truncated, another version, half a document. */
export class UnreadableStateError extends Error {
  override name = "UnreadableStateError";
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(
      `the rollout state ${path} cannot be read (${problem}); \`ion-rollout abort\` still reverts from the config alone and records a fresh state; otherwise move the file aside and run the command again`,
    );
  }
}

/** The stored state; undefined when there is none; `UnreadableStateError` when it cannot be used. */
export function readState(dir: string, stage: string): RolloutState | undefined {
  const path = statePath(dir, stage);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UnreadableStateError(path, (error as Error).message);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UnreadableStateError(path, text.trim() === "" ? "the file is empty" : (error as Error).message);
  }
  const problem = stateShapeProblem(document);
  if (problem) throw new UnreadableStateError(path, problem);
  return document as RolloutState;
}

/** Moves an unreadable state file aside (kept for a post-mortem); returns where it went. */
export function setAsideState(dir: string, stage: string, now: number): string {
  const from = statePath(dir, stage);
  const to = `${from}.unreadable-${now}`;
  storeIo.rename(from, to);
  fsyncDirectory(dir);
  return to;
}

/** Writes the state atomically: temp file in the same directory, fsync, rename over the old one. */
export function writeState(dir: string, state: RolloutState): void {
  storeIo.mkdir(dir);
  const target = statePath(dir, state.stage);
  const temp = `${target}.${process.pid}.tmp`;
  const fd = storeIo.open(temp, "w", 0o644);
  try {
    storeIo.write(fd, `${JSON.stringify(state, null, 2)}\n`);
    storeIo.fsync(fd, "file");
  } finally {
    storeIo.close(fd);
  }
  storeIo.rename(temp, target);
  fsyncDirectory(dirname(target));
}
