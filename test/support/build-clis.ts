import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";

/**
 * vitest global setup: builds `ion-rollout` and `ion-deploy` once per test run, each into one
 * CommonJS file, for the tests that start the CLI many times (the rehearsal harness, the local
 * fakes, trace comparisons). The bins run the same sources through tsx, which transforms and
 * resolves every module on each start: about twice the CPU per process (0.45 s against 0.23 s for
 * `--help`, measured), and those starts were a quarter of the suite's CPU. The files that test the
 * executables themselves still spawn `bin/*.cjs`.
 *
 * The bundle lives under node_modules/.cache so its package imports resolve like the bins' do; the
 * directory is this run's own (parallel runs do not share it) and is removed at teardown.
 */
const ROOT = resolve(__dirname, "../..");

export default async function buildClis(): Promise<() => void> {
  const cache = join(ROOT, "node_modules", ".cache");
  mkdirSync(cache, { recursive: true });
  const outdir = mkdtempSync(join(cache, "ion-deploy-clis-"));
  await build({
    entryPoints: {
      "ion-rollout": join(ROOT, "src/cli/ion-rollout.ts"),
      "ion-deploy": join(ROOT, "src/cli/ion-deploy.ts"),
    },
    outdir,
    outExtension: { ".js": ".cjs" },
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    packages: "external",
    logLevel: "warning",
  });
  process.env.ION_ROLLOUT_BUILT = join(outdir, "ion-rollout.cjs");
  process.env.ION_DEPLOY_BUILT = join(outdir, "ion-deploy.cjs");
  return () => rmSync(outdir, { recursive: true, force: true });
}
