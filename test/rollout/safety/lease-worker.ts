import { LocalDirectoryStore } from "../../../src/rollout/store/backends/local-directory";
import { type Lease, takeLease } from "../../../src/rollout/store/lease";

/**
 * A child process that races for the lease when its parent says so (lease-race.test.ts): at `startAt`
 * (busy-waiting, so every worker starts within the same millisecond) it tries once, reports
 * whether it won, and holds a won lease until the parent asks it to let go.
 */

const TARGET = { key: "test:lock-race", description: "the race's traffic target" };
let held: Lease | undefined;

process.on(
  "message",
  async (message: { round?: number; dir?: string; startAt?: number; release?: boolean }) => {
    if (message.release) {
      await held?.release();
      held = undefined;
      process.send?.({ released: true });
      return;
    }
    while (Date.now() < (message.startAt ?? 0)) {
      // Busy-wait: a timer would spread the workers' starts over milliseconds.
    }
    try {
      held = await takeLease(new LocalDirectoryStore(message.dir ?? ""), TARGET, {
        ttlMs: 60_000,
        command: `worker ${process.pid}`,
      });
      process.send?.({ round: message.round, won: true });
    } catch (error) {
      process.send?.({
        round: message.round,
        won: false,
        error: `${(error as Error).name}: ${(error as Error).message}`,
      });
    }
  },
);
process.send?.({ ready: true });
