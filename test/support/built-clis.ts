/**
 * The CLIs built once for this test run by `build-clis.ts` (vitest's global setup). Use them where
 * a test starts the CLI as a means (a rollout to interrupt, a backtest to compare); spawn
 * `bin/*.cjs` where the executable itself is under test.
 */
function built(variable: "ION_ROLLOUT_BUILT" | "ION_DEPLOY_BUILT"): string {
  const path = process.env[variable];
  if (!path)
    throw new Error(`${variable} is not set: run the tests through vitest (its globalSetup builds the CLIs)`);
  return path;
}

export const builtIonRollout = (): string => built("ION_ROLLOUT_BUILT");
export const builtIonDeploy = (): string => built("ION_DEPLOY_BUILT");
