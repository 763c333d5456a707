import {
  closeSync,
  constants,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  writeSync,
} from "node:fs";

/**
 * Every write the local directory store makes (a rollout's state, journal and requests, a lease,
 * a key's mutex) goes through here: the seam a test replaces to see each write and fsync, or to fail them like a full
 * (ENOSPC) or read-only (EROFS) disk, which chmod cannot simulate for root.
 */
export const storeIo = {
  mkdir: (dir: string): void => void mkdirSync(dir, { recursive: true }),
  open: openSync,
  write: writeSync,
  /** `what` says which durability step this is (a file's content, a directory entry). */
  fsync: (fd: number, _what: "file" | "directory"): void => fsyncSync(fd),
  close: closeSync,
  rename: renameSync,
  link: linkSync,
};

/**
 * Makes a rename, a new file or an unlink in `dir` durable (a crash after it cannot bring the old
 * entry back), through the seam above.
 */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY);
    storeIo.fsync(fd, "directory");
  } catch {
    // Some file systems refuse to fsync a directory; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
