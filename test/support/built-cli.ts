/**
 * The `ion-rollout` built once for this test run by `build-cli.ts` (vitest's global setup). Use it
 * where a test starts the CLI as a means (a rollout to interrupt, a backtest to compare); spawn
 * `bin/ion-rollout.cjs` where the executable itself is under test.
 */
export function builtIonRollout(): string {
  const path = process.env.ION_ROLLOUT_BUILT;
  if (!path)
    throw new Error(
      "ION_ROLLOUT_BUILT is not set: run the tests through vitest (its globalSetup builds the CLI)",
    );
  return path;
}
