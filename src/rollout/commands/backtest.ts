import { basename } from "node:path";
import { EXIT } from "../core/outcome";
import { TraceError } from "../core/trace";
import { streamBacktest } from "./backtest-stream";
import { type CommonOptions, loadConfig, processStreams, type Streams } from "./common";

export async function backtestCommand(
  traceFile: string,
  options: CommonOptions & { stage: string },
  io: Streams = processStreams,
): Promise<number> {
  const cfg = loadConfig(options.stage, options, io);
  if (!cfg) return EXIT.error;
  try {
    return await streamBacktest(cfg, traceFile, basename(traceFile), options.json === true, io);
  } catch (error) {
    if (isFileError(error)) {
      io.err(`cannot read trace ${traceFile}: ${(error as Error).message}\n`);
      return EXIT.error;
    }
    if (error instanceof TraceError) {
      io.err(`${error.message}\n`);
      return EXIT.error;
    }
    throw error;
  }
}

function isFileError(error: unknown): boolean {
  return typeof (error as NodeJS.ErrnoException)?.code === "string";
}
