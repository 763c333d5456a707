import { basename } from "node:path";
import type { Comparison } from "../core/backtest/compare";
import { backtest, formatBacktest } from "../core/backtest/replay";
import { describeRule, RuleError, withRule } from "../core/backtest/with-rule";
import { EXIT, exitCodeFor } from "../core/outcome";
import { TraceError } from "../core/trace/format";
import { formatComparison } from "../report/compare-text";
import { assertRegularFile, type BacktestInput, isJournalFile, readBacktestInput } from "./backtest-input";
import { type Contender, SideBySide, streamBacktest, streamComparison } from "./backtest-stream";
import { type CommonOptions, fail, loadConfig, processStreams, type Streams } from "./common";

export interface BacktestOptions extends CommonOptions {
  stage: string;
  /** Two stack config files: the same trace replayed under each. */
  compare?: string[];
  /** Compare the stage's config (or --config) with itself under this analysis rule. */
  rule?: string;
}

export async function backtestCommand(
  traceFile: string,
  options: BacktestOptions,
  io: Streams = processStreams,
): Promise<number> {
  try {
    // Before anything opens it: opening a FIFO waits for a writer, forever.
    assertRegularFile(traceFile);
  } catch (error) {
    if (error instanceof TraceError) return fail(io, error.message);
    throw error;
  }
  if (options.compare || options.rule) return compareCommand(traceFile, options, io);
  if (!isJournalFile(traceFile)) return streamTrace(traceFile, options, io);
  let input: BacktestInput;
  try {
    input = readBacktestInput(traceFile, options.stage);
  } catch (error) {
    if (error instanceof TraceError) return fail(io, error.message);
    throw error;
  }
  const cfg = loadConfig(options.stage, options, io);
  if (!cfg) return EXIT.error;
  const result = backtest(cfg, input.checks, input.startedAt);
  io.out(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatBacktest(result));
  return exitCodeFor(result.outcome);
}

/** A trace file of any length, in constant memory (`backtest-stream.ts`). */
async function streamTrace(traceFile: string, options: BacktestOptions, io: Streams): Promise<number> {
  const cfg = loadConfig(options.stage, options, io);
  if (!cfg) return EXIT.error;
  try {
    return await streamBacktest(cfg, traceFile, basename(traceFile), options.json === true, io);
  } catch (error) {
    if (isFileError(error)) return fail(io, `cannot read trace ${traceFile}: ${(error as Error).message}`);
    if (error instanceof TraceError) return fail(io, error.message);
    throw error;
  }
}

function isFileError(error: unknown): boolean {
  return typeof (error as NodeJS.ErrnoException)?.code === "string";
}

function contenders(options: BacktestOptions, io: Streams): [Contender, Contender] | number {
  if (options.compare && options.rule) return fail(io, "--compare and --rule exclude each other; pick one");
  if (options.compare) {
    if (options.compare.length !== 2) {
      return fail(io, `--compare takes two config files (A B); got ${options.compare.length}`);
    }
    const [a, b] = options.compare as [string, string];
    const cfgA = loadConfig(options.stage, { ...options, config: a }, io);
    const cfgB = loadConfig(options.stage, { ...options, config: b }, io);
    if (!cfgA || !cfgB) return EXIT.error;
    return [
      { label: a, cfg: cfgA },
      { label: b, cfg: cfgB },
    ];
  }
  const cfg = loadConfig(options.stage, options, io);
  if (!cfg) return EXIT.error;
  try {
    const file = options.config ?? `Pulumi.${options.stage}.yaml`;
    return [
      { label: `${file} as configured`, cfg },
      {
        label: `${file}, ${describeRule(options.rule as string)}`,
        cfg: withRule(cfg, options.rule as string),
      },
    ];
  } catch (error) {
    if (error instanceof RuleError) return fail(io, error.message);
    throw error;
  }
}

/** The comparison of `file` (a journal read whole, or a trace streamed) and how many checks it has. */
async function compareInput(
  file: string,
  stage: string,
  [a, b]: [Contender, Contender],
): Promise<{ comparison: Comparison; checks: number; kind: BacktestInput["kind"] }> {
  if (!isJournalFile(file)) return { ...(await streamComparison(a, b, file, basename(file))), kind: "trace" };
  const input = readBacktestInput(file, stage);
  const pair = new SideBySide(a, b, input.startedAt);
  for (const check of input.checks) if (!pair.next(check)) break;
  return { comparison: pair.result(), checks: input.checks.length, kind: input.kind };
}

/** Replays one trace under two configs and prints where their decisions part; exit 0 once printed. */
async function compareCommand(file: string, options: BacktestOptions, io: Streams): Promise<number> {
  const pair = contenders(options, io);
  if (typeof pair === "number") return pair;
  let compared: Awaited<ReturnType<typeof compareInput>>;
  try {
    compared = await compareInput(file, options.stage, pair);
  } catch (error) {
    if (isFileError(error)) return fail(io, `cannot read trace ${file}: ${(error as Error).message}`);
    if (error instanceof TraceError) return fail(io, error.message);
    throw error;
  }
  const { comparison, checks, kind } = compared;
  if (options.json) {
    io.out(`${JSON.stringify({ trace: basename(file), checks, ...comparison }, null, 2)}\n`);
  } else {
    io.out(`${basename(file)}: ${checks} checks (${kind})\n${formatComparison(comparison)}`);
  }
  return EXIT.ok;
}
