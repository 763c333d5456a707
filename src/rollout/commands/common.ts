import { dirname, resolve } from "node:path";
import { ConfigError, loadStageConfig, type StageConfig } from "../../config";
import type { LeaseScope } from "../controller/traffic-lease";
import { EXIT } from "../core/outcome";
import { redactSecrets, secretValues } from "../core/text/redact";
import { terminalSafe } from "../core/text/sanitise";

/** Where the CLI writes; the real streams in the command, buffers in tests. */
export interface Streams {
  out: (text: string) => void;
  err: (text: string) => void;
  /** stdout is a terminal: live progress view instead of plain lines. */
  isTTY?: boolean;
  /** The terminal's width now (the live view cuts its lines to it). */
  columns?: () => number;
  /** Resolves once what `out` wrote has drained, for commands that write without bound. */
  drained?: () => Promise<void>;
}

/** The environment's secrets, read once: every line the CLI prints has them redacted. */
let printedSecrets: string[] | undefined;
function redacted(text: string): string {
  printedSecrets ??= secretValues(process.env);
  return printedSecrets.length > 0 ? redactSecrets(text, printedSecrets) : text;
}

export const processStreams: Streams = {
  out: (text) => process.stdout.write(redacted(text)),
  err: (text) => process.stderr.write(redacted(text)),
  isTTY: process.stdout.isTTY === true,
  columns: () => process.stdout.columns || 80,
  drained: () =>
    process.stdout.writableNeedDrain
      ? new Promise((resolve) => process.stdout.once("drain", () => resolve()))
      : Promise.resolve(),
};

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

/** Prints one line to stderr and returns the error exit code. */
export function fail(io: Streams, message: string): number {
  // Messages quote outside text (servers' answers, file contents): nothing in them drives the terminal.
  io.err(`${terminalSafe(message)}\n`);
  return EXIT.error;
}

/**
 * Nothing recorded for the stage: one line on stderr, and with --json also a JSON document on
 * stdout (`state: null`), so a script that asked for JSON always gets JSON. Exit 1.
 */
export function noRollout(io: Streams, options: CommonOptions, stage: string, message: string): number {
  if (options.json) io.out(`${JSON.stringify({ stage, state: null, records: [], message })}\n`);
  return fail(io, message);
}
