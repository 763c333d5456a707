import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { RolloutState } from "../core/state";

/**
 * Durable rollout state: one JSON file per stage in the state directory, replaced atomically
 * (write a temp file, fsync, rename) so a crash leaves either the old or the new state, never half.
 * It holds what `resume` needs to continue where the runner stopped, including the current step's
 * bake clock (its start time) and the canary requests it has seen.
 */

export function statePath(dir: string, stage: string): string {
  return join(dir, `${stage}.json`);
}

export function readState(dir: string, stage: string): RolloutState | undefined {
  let text: string;
  try {
    text = readFileSync(statePath(dir, stage), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const state = JSON.parse(text) as RolloutState;
  if (state.version !== 1)
    throw new Error(`unsupported rollout state version ${state.version} in ${statePath(dir, stage)}`);
  return state;
}

/** Writes the state atomically: temp file in the same directory, fsync, rename over the old one. */
export function writeState(dir: string, state: RolloutState): void {
  mkdirSync(dir, { recursive: true });
  const target = statePath(dir, state.stage);
  const temp = `${target}.${process.pid}.tmp`;
  const fd = openSync(temp, "w", 0o644);
  try {
    writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, target);
}
