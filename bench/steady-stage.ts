import type { StageConfig } from "../src/config";
import { plannedChecks, withPlanHorizon } from "../src/rollout/core/analysis/plan-horizon";

/**
 * The stage judged at one steady traffic level for a fixed number of checks: one step at 100%
 * whose bake outlasts them (so nothing advances or times out), the error-rate rule as the stage
 * configures it. With `declared` the stage declares that traffic (`expectedRequestsPerSecond`, so
 * the runner calibrates its rule for it); without, the runner picks the rule from each check's
 * observed requests, as it does when a stage declares nothing.
 */
export function steadyStage(
  cfg: StageConfig,
  options: { requestsPerCheck: number; declared: boolean; checks: number },
): StageConfig {
  const interval = cfg.rollout.checkIntervalSeconds;
  const rollout: StageConfig["rollout"] = {
    ...cfg.rollout,
    steps: [100],
    bakeSeconds: (options.checks + 1) * interval,
    minRequestsPerStep: 0,
  };
  delete rollout.maxStepSeconds;
  delete rollout.expectedRequestsPerSecond;
  if (options.declared) rollout.expectedRequestsPerSecond = options.requestsPerCheck / interval;
  // Judged with the source plan's evidence horizon, as the runner judges that plan's checks.
  return { ...cfg, rollout, thresholds: withPlanHorizon(cfg.thresholds, plannedChecks(cfg.rollout)) };
}
