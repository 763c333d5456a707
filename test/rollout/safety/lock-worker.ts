import { acquireLock, type Lock } from "../../../src/rollout/store/lock";

/**
 * A child process that races for the lock when its parent says so (lock.test.ts): at `startAt`
 * (busy-waiting, so every worker starts within the same millisecond) it tries once, reports
 * whether it won, and holds a won lock until the parent asks it to let go.
 */

const TARGET = { key: "test:lock-race", description: "the race's traffic target" };
let held: Lock | undefined;

process.on("message", (message: { round?: number; dir?: string; startAt?: number; release?: boolean }) => {
  if (message.release) {
    held?.release();
    held = undefined;
    process.send?.({ released: true });
    return;
  }
  while (Date.now() < (message.startAt ?? 0)) {
    // Busy-wait: a timer would spread the workers' starts over milliseconds.
  }
  try {
    held = acquireLock(message.dir ?? "", TARGET, { command: `worker ${process.pid}` });
    process.send?.({ round: message.round, won: true });
  } catch (error) {
    process.send?.({
      round: message.round,
      won: false,
      error: `${(error as Error).name}: ${(error as Error).message}`,
    });
  }
});
process.send?.({ ready: true });
