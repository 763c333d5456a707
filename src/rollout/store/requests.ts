import { existsSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { storeIo } from "./io";

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
  storeIo.mkdir(dir);
  const path = requestPath(dir, stage);
  const fd = storeIo.open(`${path}.tmp`, "w", 0o644);
  try {
    storeIo.write(fd, JSON.stringify(request));
  } finally {
    storeIo.close(fd);
  }
  storeIo.rename(`${path}.tmp`, path);
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
