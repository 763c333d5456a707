import { resolve } from "node:path";
import { ConfigError, loadStageConfig, type StageConfig } from "../../config";
import { fail, type Streams } from "./streams";

/** The streams and `fail` live in streams.ts (no config behind them: the CLI starts without loading it). */
export { fail, processStreams, type Streams } from "./streams";

export interface CommonOptions {
  config?: string;
  json?: boolean;
  stateDir?: string;
  onInterrupt?: "revert" | "hold";
}

/** Loads the stage config; on a ConfigError prints it and returns undefined (exit 1, nothing applied). */
export function loadConfig(stage: string, options: CommonOptions, io: Streams): StageConfig | undefined {
  try {
    return loadStageConfig(stage, options.config);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`${error.message}\n`);
      return undefined;
    }
    throw error;
  }
}

export function stateDirOf(cfg: StageConfig, options: CommonOptions): string {
  return resolve(options.stateDir ?? cfg.rollout.stateDir);
}

/**
 * Nothing recorded for the stage: one line on stderr, and with --json also a JSON document on
 * stdout (`state: null`), so a script that asked for JSON always gets JSON. Exit 1.
 */
export function noRollout(io: Streams, options: CommonOptions, stage: string, message: string): number {
  if (options.json) io.out(`${JSON.stringify({ stage, state: null, records: [], message })}\n`);
  return fail(io, message);
}
