import { abortableSleep } from "../src/rollout/edges/sleep";
import type { ManagedProcess } from "./processes";

export interface WaitOptions {
  /** What is awaited, for the error message: "HAProxy runtime socket". */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Fail at once, with its log, if this process exits while we wait. */
  process?: ManagedProcess;
  signal?: AbortSignal;
}

/** The runner's abortable sleep, under the name the rehearsal uses. */
export const sleep = abortableSleep;

/** Polls `probe` until it returns a value (not undefined); the last probe error explains a timeout. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = "";
  for (;;) {
    options.signal?.throwIfAborted();
    if (options.process && !options.process.running) {
      throw new Error(
        `${options.process.name} exited while waiting for ${options.what}; its log (${options.process.logFile}):\n${options.process.logTail()}`,
      );
    }
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = "";
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (Date.now() >= deadline) {
      const tail = options.process ? `\n${options.process.name} log:\n${options.process.logTail()}` : "";
      throw new Error(
        `timed out after ${options.timeoutMs} ms waiting for ${options.what}${lastError ? ` (last error: ${lastError})` : ""}${tail}`,
      );
    }
    await sleep(options.intervalMs ?? 100, options.signal);
  }
}

/** GET `url` with a short timeout; resolves to the response text when the status is 2xx. */
export async function httpOk(url: string, timeoutMs = 1_000): Promise<string | undefined> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  return response.ok ? text : undefined;
}
