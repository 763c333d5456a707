import type { Release } from "../src/config";
import type { Faults } from "./app/faults";
import { appStats, setFaults } from "./apps";
import type { Environment } from "./environment";
import { type CliRun, startRelease } from "./runner-cli";
import { whenCanaryWeight } from "./weights";

/**
 * One rollout of a release that turns bad: runs `ion-rollout start` and, once HAProxy gives the
 * canary `faultAtWeight` percent, switches the fault on in the canary app. Measures what the
 * rehearsal and the benchmark report: the time from the fault to HAProxy serving canary weight 0,
 * and how many requests the canary failed in between.
 */
export interface FaultyRolloutOptions {
  env: Environment;
  projectDir: string;
  release: Release;
  faultAtWeight: number;
  fault: Partial<Faults>;
  /** Extra CLI arguments (`--config FILE`). */
  cliArgs?: string[];
  /** Let the CLI draw its live view on this terminal. */
  inherit?: boolean;
  onRun?: (run: CliRun | undefined) => void;
  onFault?: (weight: number) => void;
}

export interface FaultyRolloutResult {
  exitCode: number;
  seconds: number;
  faultInjectedAtWeight: number | null;
  /** Fault switched on -> HAProxy serving canary weight 0. */
  breachToRevertSeconds: number | null;
  /** Requests the canary answered 5xx between the fault and the revert. */
  failedCanaryRequests: number | null;
  output: string;
}

export async function runFaultyRollout(options: FaultyRolloutOptions): Promise<FaultyRolloutResult> {
  const { env } = options;
  const watch = new AbortController();
  let injected: { at: number; weight: number; errorsBefore: number } | undefined;
  let reverted: { at: number; errorsAfter: number } | undefined;
  const watcher = (async () => {
    const reached = await whenCanaryWeight(env.driver, (w) => w >= options.faultAtWeight, {
      signal: watch.signal,
    });
    const errorsBefore = (await appStats(env.sides.canary)).responses["5xx"];
    await setFaults(env.sides.canary, options.fault);
    injected = { at: Date.now(), weight: reached.weight, errorsBefore };
    options.onFault?.(reached.weight);
    const back = await whenCanaryWeight(env.driver, (w) => w === 0, { signal: watch.signal, pollMs: 20 });
    reverted = { at: back.at, errorsAfter: (await appStats(env.sides.canary)).responses["5xx"] };
  })().catch(() => undefined);

  const { exitCode, ms, run } = await startRelease(options);
  // The revert is applied before the CLI exits; give the watcher its last look.
  await Promise.race([watcher, new Promise((resolve) => setTimeout(resolve, 500))]);
  watch.abort();
  return {
    exitCode,
    seconds: ms / 1000,
    faultInjectedAtWeight: injected?.weight ?? null,
    breachToRevertSeconds: injected && reverted ? (reverted.at - injected.at) / 1000 : null,
    failedCanaryRequests: injected && reverted ? reverted.errorsAfter - injected.errorsBefore : null,
    output: run.output(),
  };
}
