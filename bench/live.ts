import { rmSync } from "node:fs";
import { setFaults } from "../rehearsal/apps";
import type { Environment } from "../rehearsal/environment";
import { type FaultyRolloutResult, runFaultyRollout } from "../rehearsal/faulty-rollout";
import type { Scenario } from "../rehearsal/scenario";
import type { StageConfig } from "../src/config";

/**
 * (a) and (b) on the real environment: bad rollouts driven by the real CLI, the fault switched on
 * when the canary reaches a given weight; each run measures fault -> HAProxy canary weight 0 and
 * the requests the canary failed meanwhile.
 */
export interface LiveRun extends Omit<FaultyRolloutResult, "output"> {
  run: number;
  faultAtWeight: number;
}

export async function liveRuns(options: {
  env: Environment;
  cfg: StageConfig;
  projectDir: string;
  stateDir: string;
  scenario: Scenario;
  weights: number[];
  runs: number;
  log: (line: string) => void;
}): Promise<LiveRun[]> {
  const { env, scenario } = options;
  const results: LiveRun[] = [];
  for (const faultAtWeight of options.weights) {
    for (let run = 1; run <= options.runs; run++) {
      // Every run starts like a fresh release: no state, canary at 0%, no fault.
      rmSync(options.stateDir, { recursive: true, force: true });
      await setFaults(env.sides.canary, { errorRate: 0, addedLatencyMs: 0, memory: null });
      await env.driver.apply({
        canaryWeight: 0,
        releases: options.cfg.releases,
        rolloutInProgress: false,
        reason: "bench reset",
      });
      const { output, ...result } = await runFaultyRollout({
        env,
        projectDir: options.projectDir,
        release: options.cfg.releases.canary,
        faultAtWeight,
        fault: scenario.fault,
      });
      if (result.exitCode !== 2) {
        options.log(`run ${run} at ${faultAtWeight}% did not revert (exit ${result.exitCode}):\n${output}`);
      }
      options.log(
        `fault at ${faultAtWeight}%, run ${run}/${options.runs}: ${result.breachToRevertSeconds?.toFixed(2) ?? "-"} s to weight 0, ${result.failedCanaryRequests ?? "-"} failed canary requests`,
      );
      results.push({ run, faultAtWeight, ...result });
    }
  }
  return results;
}
