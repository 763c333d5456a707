import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

/**
 * One runner per stage: an exclusive lock file created with O_EXCL (atomic on local file
 * systems), holding the holder's pid, host and start time. A second runner is refused with a
 * message naming the holder. A lock left by a dead process on this host is taken over with a
 * warning; a lock from another host is never taken over automatically. (Pulumi's own stack lock
 * guards the stack beneath this one.)
 */

export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
  command: string;
}

export class LockError extends Error {
  override name = "LockError";
  constructor(
    message: string,
    readonly holder?: LockHolder,
  ) {
    super(message);
  }
}

export interface Lock {
  path: string;
  holder: LockHolder;
  /** The dead holder this lock replaced, if any. */
  tookOverFrom?: LockHolder;
  release(): void;
}

export interface LockOptions {
  pid?: number;
  host?: string;
  now?: () => number;
  command?: string;
  /** Whether a pid on this host is alive (default: `process.kill(pid, 0)`). */
  isAlive?: (pid: number) => boolean;
}

export function lockPath(dir: string, stage: string): string {
  return join(dir, `${stage}.lock`);
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function readLock(dir: string, stage: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(lockPath(dir, stage), "utf8")) as LockHolder;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new LockError(
      `the lock file ${lockPath(dir, stage)} exists but cannot be read (${(error as Error).message}); if no runner is active, delete it`,
    );
  }
}

export function describeHolder(holder: LockHolder): string {
  return `pid ${holder.pid} on ${holder.host} since ${holder.since} (${holder.command})`;
}

export function acquireLock(dir: string, stage: string, options: LockOptions = {}): Lock {
  mkdirSync(dir, { recursive: true });
  const path = lockPath(dir, stage);
  const holder: LockHolder = {
    pid: options.pid ?? process.pid,
    host: options.host ?? hostname(),
    since: new Date((options.now ?? Date.now)()).toISOString(),
    command: options.command ?? "ion-rollout",
  };
  const isAlive = options.isAlive ?? processAlive;
  let tookOverFrom: LockHolder | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx", 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const current = readLock(dir, stage);
      if (!current) continue;
      if (current.host === holder.host && !isAlive(current.pid)) {
        unlinkSync(path);
        tookOverFrom = current;
        continue;
      }
      throw new LockError(
        `another runner holds ${stage}: ${describeHolder(current)}. Wait for it, stop it, or, if that process is gone${current.host === holder.host ? "" : " (it is on another host, so this runner cannot check)"}, delete ${path}`,
        current,
      );
    }
    try {
      writeSync(fd, `${JSON.stringify(holder)}\n`);
    } finally {
      closeSync(fd);
    }
    let released = false;
    return {
      path,
      holder,
      ...(tookOverFrom ? { tookOverFrom } : {}),
      release() {
        if (released) return;
        released = true;
        const current = readLock(dir, stage);
        if (
          current &&
          current.pid === holder.pid &&
          current.host === holder.host &&
          current.since === holder.since
        ) {
          unlinkSync(path);
        }
      },
    };
  }
  throw new LockError(`could not take the lock ${path}: it keeps reappearing; another runner is starting`);
}
