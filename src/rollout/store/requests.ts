import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Operator requests to a running runner: `abort` and `promote` from another shell leave a request
 * file the runner picks up at its next safe point (within a second), so an emergency revert never
 * waits for the lock.
 */

export interface OperatorRequest {
  action: "abort" | "promote";
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
    return request.action === "abort" || request.action === "promote" ? request : undefined;
  } catch {
    return undefined;
  }
}
