import { readFileSync } from "node:fs";

/**
 * Whether the process that holds a lease on this host is still the one that took it: a pid is
 * reused once its process is gone, so the pid comes with the process's start time.
 */

/** A process's start time from `/proc/<pid>/stat` (field 22); undefined where there is no /proc or no such process. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // Field 2 (the command) is in parentheses and may hold spaces or ')': count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[19];
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid and, where known, the start time a holder recorded. */
export interface HolderProcess {
  pid: number;
  startTime?: string;
}

/**
 * The holder's process is still the one that took the lease: its pid is alive and, where both are
 * known, started when the lease says (a reused pid is another process).
 */
export function holderAlive(
  holder: HolderProcess,
  isAlive: (pid: number) => boolean = processAlive,
): boolean {
  if (!isAlive(holder.pid)) return false;
  if (holder.startTime === undefined) return true;
  const now = processStartTime(holder.pid);
  return now === undefined || now === holder.startTime;
}
