import { resolve } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type BinRun, spawnBin } from "./spawn-bin";

/**
 * `ion-deploy` for CLI tests: `inProcess` runs the command line in the test's own process (the
 * CLI's parser, exit codes and streams, no Node start-up or SDK load per call); `spawned` runs the
 * real bin once per file, beside the in-process tests, to prove the executable itself.
 */
export const ROOT = resolve(__dirname, "../..");

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

type RunIonDeploy = typeof import("../../src/cli/ion-deploy").runIonDeploy;
let runIonDeploy: RunIonDeploy | undefined;

/**
 * The CLI loads its heavy modules with a lazy `require`, which bin/ion-deploy.cjs serves through
 * tsx's require hook; vitest transforms only imports. So a file that runs the CLI in-process loads
 * it the way the bin does, through the hook, for the file's duration: one instance of src/ (a
 * second, vitest's, would fail the CLI's `instanceof ConfigError`).
 */
export function useInProcessCli(): void {
  let unregister: (() => void) | undefined;
  beforeAll(() => {
    const { register } = require("tsx/cjs/api") as { register: () => () => void };
    unregister = register();
    runIonDeploy = (require("../../src/cli/ion-deploy.ts") as { runIonDeploy: RunIonDeploy }).runIonDeploy;
  });
  afterAll(() => unregister?.());
}

export async function inProcess(...args: string[]): Promise<CliResult> {
  if (!runIonDeploy) throw new Error("call useInProcessCli() in the test file first");
  let stdout = "";
  let stderr = "";
  const status = await runIonDeploy(args, {
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
  });
  return { status, stdout, stderr };
}

/** The real `bin/ion-deploy.cjs` from the repository root; resolves when it exits. */
export function spawned(...args: string[]): Promise<BinRun> {
  return spawnBin("bin/ion-deploy.cjs", args);
}
