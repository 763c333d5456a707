import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildIonRollout } from "../../scripts/build-cli";

/**
 * vitest global setup: builds `ion-rollout` once per test run into one CommonJS file (the same
 * build as `npm run build:cli`), for the
 * tests that start it as a means (the rehearsal harness, the local fakes, trace comparisons, the
 * bounded-memory backtest). The bin runs the same sources through tsx, which transforms and
 * resolves every module on each start: 0.45 s of CPU against 0.23 s for `--help` (measured). The
 * files that test the executables themselves still spawn `bin/*.cjs`.
 *
 * The bundle lives under node_modules/.cache so its package imports resolve like the bins' do; the
 * directory is this run's own (parallel runs do not share it) and is removed at teardown; the
 * ones a killed run left behind are removed by the next run once they are a day old.
 */
const ROOT = resolve(__dirname, "../..");
const PREFIX = "ion-rollout-built-";
const DAY_MS = 86_400_000;

function removeLeftovers(cache: string): void {
  for (const name of readdirSync(cache)) {
    const dir = join(cache, name);
    if (name.startsWith(PREFIX) && Date.now() - statSync(dir).mtimeMs > DAY_MS)
      rmSync(dir, { recursive: true, force: true });
  }
}

export default async function buildCli(): Promise<() => void> {
  const cache = join(ROOT, "node_modules", ".cache");
  mkdirSync(cache, { recursive: true });
  removeLeftovers(cache);
  const outdir = mkdtempSync(join(cache, PREFIX));
  await buildIonRollout(join(outdir, "ion-rollout.cjs"));
  process.env.ION_ROLLOUT_BUILT = join(outdir, "ion-rollout.cjs");
  return () => rmSync(outdir, { recursive: true, force: true });
}
