import { createHash, randomBytes } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { hostname } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import type { StageConfig } from "../../config";
import { holderAlive, processAlive, processStartTime } from "./holder-process";
import { storeIo } from "./io";

export { holderAlive, processAlive, processStartTime };

/**
 * One runner per traffic target: the lock is keyed on what is driven (the HAProxy socket and
 * backend; the Pulumi stack and service), not on the stage's name, so two stage names pointing at
 * the same backend cannot drive it at once.
 *
 * Acquisition is atomic and the file is never seen half-written: the holder is written to a
 * private temp file, fsynced, then hard-linked to the lock's name (`link` fails if the name exists).
 * A lock left by a dead process on this host is taken over through a takeover marker named after
 * that dead holder (also created with `link`, so exactly one process takes over a given dead
 * holder); the winner checks the lock still holds the dead holder, replaces it, and verifies the
 * lock holds itself afterwards. A lock from another host is never taken over automatically.
 */

export interface LockHolder {
  pid: number;
  /**
   * The process's start time (`/proc/<pid>/stat` field 22, clock ticks after boot): with the pid,
   * its identity, since a pid is reused once its process is gone. Absent where it cannot be read.
   */
  startTime?: string;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
  command: string;
  /** What the holder drives (`LockTarget.description`). */
  target?: string;
}

/** What a runner drives: the key the lock is named after. */
export interface LockTarget {
  key: string;
  description: string;
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
  /** The holder process's start time (default: read from /proc for `pid`). */
  startTime?: string;
}

/** The traffic target a stage drives: HAProxy socket + backend, or Pulumi stack + service. */
export function lockTargetOf(cfg: StageConfig, projectDir = process.cwd()): LockTarget {
  if (cfg.platform === "local" && cfg.local) {
    const socket = isAbsolute(cfg.local.haproxySocket)
      ? cfg.local.haproxySocket
      : resolve(projectDir, cfg.local.haproxySocket);
    return {
      key: `haproxy:${socket}:${cfg.local.backend}`,
      description: `HAProxy ${socket} backend ${cfg.local.backend}`,
    };
  }
  return {
    key: `pulumi:${resolve(projectDir)}:${cfg.stage}:${cfg.service.name}`,
    description: `Pulumi stack ${cfg.stage} service ${cfg.service.name}`,
  };
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

export function lockPath(dir: string, target: LockTarget): string {
  return join(dir, `traffic-${digest(target.key)}.lock`);
}

/** Moves an unreadable lock file aside (kept for a post-mortem); returns where it went. */
export function setAsideLock(dir: string, target: LockTarget, now: number): string {
  const from = lockPath(dir, target);
  const to = `${from}.unreadable-${now}`;
  storeIo.rename(from, to);
  return to;
}

function readHolderFile(path: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as LockHolder;
  } catch (error) {
    throw new LockError(
      `the lock file ${path} exists but cannot be read (${(error as Error).message}); if no runner is active, delete it`,
    );
  }
}

export function readLock(dir: string, target: LockTarget): LockHolder | undefined {
  return readHolderFile(lockPath(dir, target));
}

export function describeHolder(holder: LockHolder): string {
  return `pid ${holder.pid} on ${holder.host} since ${holder.since} (${holder.command})`;
}

function sameHolder(a: LockHolder | undefined, b: LockHolder): boolean {
  return (
    a?.pid === b.pid &&
    a.startTime === b.startTime &&
    a.host === b.host &&
    a.since === b.since &&
    a.command === b.command
  );
}

function linkOrExists(from: string, to: string): boolean {
  try {
    storeIo.link(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function writeTemp(path: string, holder: LockHolder): string {
  const temp = `${path}.${holder.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const fd = storeIo.open(temp, "wx", 0o644);
  try {
    storeIo.write(fd, `${JSON.stringify(holder)}\n`);
    storeIo.fsync(fd, "file");
  } finally {
    storeIo.close(fd);
  }
  return temp;
}

export function acquireLock(dir: string, target: LockTarget, options: LockOptions = {}): Lock {
  storeIo.mkdir(dir);
  const path = lockPath(dir, target);
  const pid = options.pid ?? process.pid;
  const startTime = options.startTime ?? processStartTime(pid);
  const holder: LockHolder = {
    pid,
    ...(startTime === undefined ? {} : { startTime }),
    host: options.host ?? hostname(),
    since: new Date((options.now ?? Date.now)()).toISOString(),
    command: options.command ?? "ion-rollout",
    target: target.description,
  };
  const temp = writeTemp(path, holder);
  try {
    const tookOverFrom = takeLock(path, temp, holder, options.isAlive ?? processAlive);
    if (!sameHolder(readHolderFile(path), holder))
      throw new LockError(
        `took the lock ${path} but it no longer names this process; another runner is starting`,
      );
    return heldLock(path, holder, tookOverFrom);
  } finally {
    unlinkQuietly(temp);
  }
}

/** Links the holder's temp file to the lock's name, taking over a dead holder's lock once. */
function takeLock(
  path: string,
  temp: string,
  holder: LockHolder,
  isAlive: (pid: number) => boolean,
): LockHolder | undefined {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (linkOrExists(temp, path)) return undefined;
    const current = readHolderFile(path);
    if (!current) continue;
    if (current.host !== holder.host || holderAlive(current, isAlive))
      throw heldBy(path, current, holder.host);
    if (takeOverDead(path, temp, current, isAlive)) return current;
  }
  throw new LockError(`could not take the lock ${path}: it keeps changing hands; another runner is starting`);
}

/**
 * Replaces the dead holder's lock, if this process is the one that claims it (the marker named
 * after the dead holder). Returns false when the lock changed meanwhile (try again from the top).
 */
function takeOverDead(
  path: string,
  temp: string,
  dead: LockHolder,
  isAlive: (pid: number) => boolean,
): boolean {
  const marker = `${path}.takeover-${digest(JSON.stringify(dead))}`;
  if (!linkOrExists(temp, marker)) {
    const claimant = readHolderFile(marker);
    if (claimant && !holderAlive(claimant, isAlive))
      throw new LockError(
        `a takeover of the lock ${path} by pid ${claimant.pid} died half-way; if no runner is active, delete ${marker} and ${path}`,
      );
    throw new LockError(
      `another process (${claimant ? describeHolder(claimant) : "unknown"}) is taking over the lock ${path} from a dead runner`,
      claimant,
    );
  }
  try {
    if (!sameHolder(readHolderFile(path), dead)) return false;
    unlinkSync(path);
    if (!linkOrExists(temp, path)) {
      const winner = readHolderFile(path);
      throw new LockError(
        `another runner took the lock ${path} first${winner ? `: ${describeHolder(winner)}` : ""}`,
        winner,
      );
    }
    return true;
  } finally {
    unlinkQuietly(marker);
  }
}

function heldBy(path: string, current: LockHolder, host: string): LockError {
  const where = current.host === host ? "" : " (it is on another host, so this runner cannot check)";
  return new LockError(
    `another runner holds ${current.target ?? "this traffic target"}: ${describeHolder(current)}. Wait for it, stop it, or, if that process is gone${where}, delete ${path}`,
    current,
  );
}

function heldLock(path: string, holder: LockHolder, tookOverFrom: LockHolder | undefined): Lock {
  let released = false;
  return {
    path,
    holder,
    ...(tookOverFrom ? { tookOverFrom } : {}),
    release() {
      if (released) return;
      released = true;
      if (sameHolder(readHolderFile(path), holder)) unlinkSync(path);
    },
  };
}
