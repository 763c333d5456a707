import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { backtest, formatBacktest } from "../core/backtest";
import { EXIT, exitCodeFor } from "../core/outcome";
import { parseTrace, TraceError } from "../core/trace";
import { type CommonOptions, loadConfig, processStreams, type Streams } from "./common";

export function backtestCommand(
  traceFile: string,
  options: CommonOptions & { stage: string },
  io: Streams = processStreams,
): number {
  const cfg = loadConfig(options.stage, options, io);
  if (!cfg) return EXIT.error;
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(traceFile, "utf8"));
  } catch (error) {
    io.err(`cannot read trace ${traceFile}: ${(error as Error).message}\n`);
    return EXIT.error;
  }
  try {
    const result = backtest(cfg, parseTrace(document, basename(traceFile)));
    io.out(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatBacktest(result));
    return exitCodeFor(result.outcome);
  } catch (error) {
    if (error instanceof TraceError) {
      io.err(`${error.message}\n`);
      return EXIT.error;
    }
    throw error;
  }
}
