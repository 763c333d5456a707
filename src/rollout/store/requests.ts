import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Operator requests to a running runner: `abort`, `promote`, `pause` and `resume` from another
 * shell leave a request file the runner picks up at its next safe point (within a second), so an
 * emergency revert never waits for the lock.
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
}

export function requestPath(dir: string, stage: string): string {
  return join(dir, `${stage}.request.json`);
}

export function writeRequest(dir: string, stage: string, request: OperatorRequest): void {
  mkdirSync(dir, { recursive: true });
  const path = requestPath(dir, stage);
  writeFileSync(`${path}.tmp`, JSON.stringify(request));
  renameSync(`${path}.tmp`, path);
}

/** Reads and removes a pending request. */
export function takeRequest(dir: string, stage: string): OperatorRequest | undefined {
  const path = requestPath(dir, stage);
  if (!existsSync(path)) return undefined;
  try {
    const request = JSON.parse(readFileSync(path, "utf8")) as OperatorRequest;
    unlinkSync(path);
    return OPERATOR_ACTIONS.includes(request.action) ? request : undefined;
  } catch {
    return undefined;
  }
}
