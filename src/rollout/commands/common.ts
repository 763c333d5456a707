import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ConfigError, loadStageConfig, type StageConfig } from "../../config";
import type { InterruptAction } from "../controller/runner";
import { stageRecords } from "../controller/stage-store";
import type { LeaseScope } from "../controller/traffic-lease";
import type { RolloutRecords } from "../store/rollout-records";
import { fail, type Streams } from "./streams";

/** The streams and `fail` live in streams.ts (no config behind them: the CLI starts without loading it). */
export { fail, processStreams, type Streams } from "./streams";

export interface CommonOptions {
  config?: string;
  json?: boolean;
  stateDir?: string;
  onInterrupt?: InterruptAction;
}

/** Loads the stage config; on a ConfigError prints it and returns undefined (exit 1, nothing applied). */
export function loadConfig(stage: string, options: CommonOptions, io: Streams): StageConfig | undefined {
  try {
    const cfg = loadStageConfig(stage, options.config);
    warnOfFileRecords(cfg, options, io);
    return cfg;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`${error.message}\n`);
      return undefined;
    }
    throw error;
  }
}

/**
 * Records written before they moved into the store (`<stateDir>/<stage>.json` and its journal)
 * are not read: said once per command, so a rollout recorded that way is not silently forgotten.
 */
function warnOfFileRecords(cfg: StageConfig, options: CommonOptions, io: Streams): void {
  const dir = stateDirOf(cfg, options);
  const found = [`${cfg.stage}.json`, `${cfg.stage}.journal.jsonl`]
    .map((name) => join(dir, name))
    .filter((path) => existsSync(path));
  if (found.length === 0) return;
  io.err(
    `warning: ${found.join(" and ")} ${found.length === 1 ? "is a rollout record" : "are rollout records"} from before records moved into the stage's store (docs/rollout.md, "Rollout records in the store"), not read: if that rollout may still serve a canary, \`ion-rollout reconcile ${cfg.stage}\` or \`abort\` revert it from the served split; then move the file aside\n`,
  );
}

/** The project directory: the stage file's (`--config`), else the working directory where it is found. */
export function projectDirOf(options: CommonOptions): string {
  return options.config ? dirname(resolve(options.config)) : process.cwd();
}

/** `--state-dir` as given (relative to the shell), else `rollout.stateDir` relative to the project. */
export function stateDirOf(cfg: StageConfig, options: CommonOptions): string {
  return options.stateDir ? resolve(options.stateDir) : resolve(projectDirOf(options), cfg.rollout.stateDir);
}

/** Where the stage's lease is found and taken (controller/traffic-lease.ts). */
export function leaseScopeOf(cfg: StageConfig, options: CommonOptions): LeaseScope {
  return { cfg, projectDir: projectDirOf(options), stateDir: stateDirOf(cfg, options) };
}

/** The stage's rollout records (state, journal, requests) in its store (`rollout.store`). */
export function recordsOf(cfg: StageConfig, options: CommonOptions): RolloutRecords {
  return stageRecords(leaseScopeOf(cfg, options));
}

/**
 * Nothing recorded for the stage: one line on stderr, and with --json also a JSON document on
 * stdout (`state: null`), so a script that asked for JSON always gets JSON. Exit 1.
 */
export function noRollout(io: Streams, options: CommonOptions, stage: string, message: string): number {
  if (options.json) io.out(`${JSON.stringify({ stage, state: null, records: [], message })}\n`);
  return fail(io, message);
}
