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

/** Prints one line to stderr and returns the error exit code. */
export function fail(io: Streams, message: string): number {
  // Messages quote outside text (servers' answers, file contents): nothing in them drives the terminal.
  io.err(`${terminalSafe(message)}\n`);
  return EXIT.error;
}
