import { createHash, randomBytes } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { hostname } from "node:os";
import { storeIo } from "../io";
import { processAlive, processStartTime } from "../lock";

/**
 * A mutex file per key, so that compare-and-swap in a local directory holds across processes:
 * the holder is written to a private temp file and hard-linked to the mutex's name (`link` fails
 * when the name exists, so exactly one process holds it). It is held for one read and one write.
 *
 * A mutex left by a holder that is gone is taken over through a takeover marker named after that
 * holder, itself a mutex taken the same way, so exactly one process replaces a given stale holder
 * and a live holder is never replaced. Stale means: on this host, its process is gone (pid and
 * start time); on another host (a shared file system), older than `staleAfterMs`, since its
 * process cannot be checked from here.
 */

export interface MutexHolder {
  /** Unique per acquisition: what a takeover compares. */
  id: string;
  pid: number;
  startTime?: string;
  host: string;
  atMs: number;
}

export interface KeyMutexOptions {
  now: () => number;
  /** Waits between attempts while another process holds the mutex. */
  wait: (ms: number, signal?: AbortSignal) => Promise<void>;
  isAlive: (pid: number) => boolean;
  host: string;
  pid: number;
  /** A holder on another host is stale after this long (it holds the mutex for milliseconds). */
  staleAfterMs: number;
  /** How long to wait for a live holder before giving up with an error naming it. */
  waitLimitMs: number;
}

export const DEFAULT_KEY_MUTEX: KeyMutexOptions = {
  now: Date.now,
  wait: (ms, signal) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
  isAlive: processAlive,
  host: hostname(),
  pid: process.pid,
  staleAfterMs: 60_000,
  waitLimitMs: 10_000,
};

/** Markers of markers: each level needs its own claimant to have died, so a few suffice. */
const MAX_TAKEOVER_DEPTH = 3;

function readHolder(path: string): MutexHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as MutexHolder;
  } catch {
    // Gone, or not written by this code (then it is never judged stale; the wait limit names it).
    return undefined;
  }
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

function isStale(holder: MutexHolder, options: KeyMutexOptions): boolean {
  if (holder.host !== options.host) return options.now() - holder.atMs > options.staleAfterMs;
  if (!options.isAlive(holder.pid)) return true;
  const startTime = holder.startTime === undefined ? undefined : processStartTime(holder.pid);
  return startTime !== undefined && startTime !== holder.startTime;
}

/** Takes `path` with the holder in `temp`, replacing a stale holder at most once per marker level. */
function claim(path: string, temp: string, options: KeyMutexOptions, depth = 0): boolean {
  if (linkOrExists(temp, path)) return true;
  const current = readHolder(path);
  if (!current || depth >= MAX_TAKEOVER_DEPTH || !isStale(current, options)) return false;
  const marker = `${path}.takeover-${createHash("sha256").update(current.id).digest("hex").slice(0, 16)}`;
  if (!claim(marker, temp, options, depth + 1)) return false;
  try {
    if (readHolder(path)?.id !== current.id) return false;
    unlinkSync(path);
    return linkOrExists(temp, path);
  } finally {
    unlinkQuietly(marker);
  }
}

function writeHolder(path: string, options: KeyMutexOptions): { temp: string; holder: MutexHolder } {
  const startTime = processStartTime(options.pid);
  const holder: MutexHolder = {
    id: randomBytes(8).toString("hex"),
    pid: options.pid,
    ...(startTime === undefined ? {} : { startTime }),
    host: options.host,
    atMs: options.now(),
  };
  const temp = `${path}.${holder.id}.tmp`;
  const fd = storeIo.open(temp, "wx", 0o644);
  try {
    // Not fsynced: after a crash or reboot the holder is gone, so its mutex is stale anyway.
    storeIo.write(fd, JSON.stringify(holder));
  } finally {
    storeIo.close(fd);
  }
  return { temp, holder };
}

function heldTooLong(path: string, holder: MutexHolder | undefined, waitedMs: number): Error {
  const who = holder ? `pid ${holder.pid} on ${holder.host}` : "an unreadable holder";
  return new Error(
    `the mutex ${path} has been held by ${who} for over ${waitedMs} ms; if that process is stuck, stop it, or if no process of this store is running, delete ${path}`,
  );
}

/** Runs `body` while holding the mutex file at `path`; waits while a live process holds it. */
export async function withKeyMutex<T>(
  path: string,
  options: KeyMutexOptions,
  body: () => T,
  signal?: AbortSignal,
): Promise<T> {
  const { temp, holder } = writeHolder(path, options);
  try {
    const started = options.now();
    for (let attempt = 0; !claim(path, temp, options); attempt++) {
      signal?.throwIfAborted();
      if (options.now() - started > options.waitLimitMs)
        throw heldTooLong(path, readHolder(path), options.waitLimitMs);
      // Jittered, growing to ~20 ms: racing writers spread out instead of polling in step.
      await options.wait(Math.min(20, 1 + attempt) * (0.5 + Math.random()), signal);
    }
  } finally {
    unlinkQuietly(temp);
  }
  try {
    return body();
  } finally {
    if (readHolder(path)?.id === holder.id) unlinkQuietly(path);
  }
}
