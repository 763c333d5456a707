import { existsSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { storeIo } from "./io";

/**
 * Operator requests to a running runner: `abort`, `promote`, `pause` and `resume` from another
 * shell leave a request file the runner picks up at its next safe point (within a second), so an emergency revert never
 * waits for the lock. A request names the rollout it is for: one left over from an ended rollout
 * (or written for another) is discarded, never acted on by the next.
 */

export const OPERATOR_ACTIONS = ["abort", "promote", "pause", "resume"] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

export interface OperatorRequest {
  action: OperatorAction;
  /** promote: straight to 100% (`--full`) instead of one step. */
  full?: boolean;
  /** Epoch ms. */
  at: number;
  by: string;
  /** The `id` of the rollout the operator saw running. */
  rolloutId: string;
}

/** What the runner found: a request for its rollout, or why a request file was thrown away. */
export type TakenRequest = { request: OperatorRequest } | { discarded: string };

export function requestPath(dir: string, stage: string): string {
  return join(dir, `${stage}.request.json`);
}

/** Leaves a request; returns its text, which `withdrawRequest` matches to remove only this one. */
export function writeRequest(dir: string, stage: string, request: OperatorRequest): string {
  storeIo.mkdir(dir);
  const path = requestPath(dir, stage);
  const text = JSON.stringify(request);
  const fd = storeIo.open(`${path}.tmp`, "w", 0o644);
  try {
    storeIo.write(fd, text);
  } finally {
    storeIo.close(fd);
  }
  storeIo.rename(`${path}.tmp`, path);
  return text;
}

/**
 * Reads and removes a pending request for rollout `rolloutId` (`only`: take just that action,
 * leave any other in place). A request for another rollout, or one that cannot be read, is
 * removed and returned as discarded.
 */
export function takeRequest(
  dir: string,
  stage: string,
  rolloutId: string | undefined,
  only?: OperatorRequest["action"],
): TakenRequest | undefined {
  const path = requestPath(dir, stage);
  if (!existsSync(path)) return undefined;
  let request: Partial<OperatorRequest>;
  try {
    request = JSON.parse(readFileSync(path, "utf8")) as Partial<OperatorRequest>;
  } catch (error) {
    removeQuietly(path);
    return { discarded: `an unreadable request file (${(error as Error).message})` };
  }
  const what = `a ${String(request.action)} request by ${String(request.by)} for rollout ${String(request.rolloutId)}`;
  if (!OPERATOR_ACTIONS.includes(request.action as OperatorAction)) {
    removeQuietly(path);
    return { discarded: what };
  }
  if (request.rolloutId !== rolloutId) {
    removeQuietly(path);
    return { discarded: `${what} (this rollout is ${rolloutId ?? "not started yet"})` };
  }
  if (only && request.action !== only) return undefined;
  removeQuietly(path);
  return { request: request as OperatorRequest };
}

/** Removes the request `text` this command wrote, if it is still there (not taken, not replaced). */
export function withdrawRequest(dir: string, stage: string, text: string): void {
  const path = requestPath(dir, stage);
  try {
    if (readFileSync(path, "utf8") === text) unlinkSync(path);
  } catch {
    // Taken by the runner, or never written.
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already (taken by a racing reader).
  }
}
