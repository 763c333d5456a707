import autocannon = require("autocannon");

/**
 * Steady user traffic through HAProxy at a fixed overall rate, like a service's baseline. In
 * process: at a few hundred requests per second it costs the orchestrator little, and its counts
 * are at hand for the summary.
 */
export interface LoadCounts {
  sent: number;
  ok: number;
  /** 5xx answers (the canary's injected faults, or HAProxy's own 503s). */
  serverErrors: number;
  /** Connection errors and timeouts: requests that never got an answer. */
  failed: number;
}

export interface Load {
  counts(): LoadCounts;
  stop(): Promise<LoadCounts>;
}

export function startLoad(options: { url: string; requestsPerSecond: number; connections?: number }): Load {
  const counts: LoadCounts = { sent: 0, ok: 0, serverErrors: 0, failed: 0 };
  let finished!: () => void;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections ?? 8,
      overallRate: options.requestsPerSecond,
      // Bounded even if nobody calls stop(): an hour is far past any rehearsal.
      duration: 3600,
      timeout: 5,
    },
    () => finished(),
  );
  instance.on("response", (_client: unknown, statusCode: number) => {
    counts.sent++;
    if (statusCode >= 500) counts.serverErrors++;
    else counts.ok++;
  });
  instance.on("reqError", () => {
    counts.sent++;
    counts.failed++;
  });
  return {
    counts: () => ({ ...counts }),
    async stop() {
      instance.stop();
      // autocannon notices stop() on its next one-second tick.
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 3_000))]);
      return { ...counts };
    },
  };
}
