import { closeSync, openSync, readSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import type { StageConfig } from "../../config";
import type { Check } from "../core/analysis/check";
import { type Comparison, ComparisonTally } from "../core/backtest/compare";
import { type BacktestDecision, formatBacktest } from "../core/backtest/replay";
import { exitCodeFor } from "../core/outcome";
import { TraceError } from "../core/trace/format";
import { BacktestRun, checkFromJson, TraceSplitter } from "../core/trace/stream";
import type { Streams } from "./common";

/**
 * `backtest` in constant memory: the trace is read in 1 MiB chunks and each decision is written
 * as it is made. `--json` keeps its document (`{ outcome, revertedAt, decisions }`, in that order)
 * by reading the trace twice: once for the outcome, once to write the decisions. `--compare` and
 * `--rule` replay both configs side by side over one read, keeping only the comparison's tally.
 */

const CHUNK = 1 << 20;

/**
 * What a reader does with each check: `visit` it while it returns true; after that the rest are
 * only counted (`countRest`) or not read at all.
 */
interface CheckVisitor {
  /** Called once, before the first check, with the trace's `startedAt` if it gives one. */
  start?: (startedAt: number | undefined) => void;
  visit: (check: Check) => boolean;
  countRest?: boolean;
}

/** Every check of the trace file, in order; returns how many were read. Waits for output to drain. */
async function eachCheck(
  file: string,
  source: string,
  visitor: CheckVisitor,
  drained: () => Promise<void>,
): Promise<number> {
  const fd = openSync(file, "r");
  const buffer = Buffer.alloc(CHUNK);
  const decoder = new StringDecoder("utf8");
  const splitter = new TraceSplitter();
  let index = 0;
  let previousAt = 0;
  let visiting = true;
  try {
    for (
      let read = readSync(fd, buffer, 0, CHUNK, null);
      read > 0;
      read = readSync(fd, buffer, 0, CHUNK, null)
    ) {
      for (const text of splitter.feed(decoder.write(buffer.subarray(0, read)))) {
        if (index === 0) visitor.start?.(splitter.startedAt);
        index++;
        if (!visiting) continue;
        const check = checkFromJson(text, index - 1, previousAt, source);
        previousAt = check.at;
        visiting = visitor.visit(check);
        if (!visiting && !visitor.countRest) return index;
      }
      await drained();
    }
    splitter.end();
    if (index === 0) throw new TraceError(`invalid trace (${source}): checks: the trace has no checks`);
    return index;
  } finally {
    closeSync(fd);
  }
}

async function replay(
  cfg: StageConfig,
  file: string,
  source: string,
  io: Streams,
  onDecision?: (d: BacktestDecision) => void,
): Promise<BacktestRun> {
  let run = new BacktestRun(cfg);
  const visit = (check: Check) => {
    const decision = run.next(check);
    if (decision) onDecision?.(decision);
    return !run.finished;
  };
  const start = (startedAt: number | undefined) => {
    run = new BacktestRun(cfg, startedAt);
  };
  await eachCheck(file, source, { start, visit }, io.drained ?? (() => Promise.resolve()));
  return run;
}

/** Runs the backtest of `file`, writing as it goes; returns the exit code. Throws `TraceError`. */
export async function streamBacktest(
  cfg: StageConfig,
  file: string,
  source: string,
  json: boolean,
  io: Streams,
): Promise<number> {
  if (!json) {
    const run = await replay(cfg, file, source, io, (d) =>
      io.out(
        `${formatBacktest({ outcome: "incomplete", revertedAt: null, decisions: [d] }).split("\n")[0]}\n`,
      ),
    );
    io.out(formatBacktest({ outcome: run.outcome, revertedAt: run.revertedAt, decisions: [] }));
    return exitCodeFor(run.outcome);
  }
  const outcome = await replay(cfg, file, source, io);
  io.out(
    `{\n  "outcome": ${JSON.stringify(outcome.outcome)},\n  "revertedAt": ${JSON.stringify(outcome.revertedAt)},\n  "decisions": [`,
  );
  let first = true;
  await replay(cfg, file, source, io, (d) => {
    io.out(`${first ? "\n" : ",\n"}    ${JSON.stringify(d)}`);
    first = false;
  });
  io.out(`${first ? "" : "\n  "}]\n}\n`);
  return exitCodeFor(outcome.outcome);
}

export interface Contender {
  label: string;
  cfg: StageConfig;
}

/** Both contenders replayed side by side over `checks`, one check at a time, into a comparison. */
export class SideBySide {
  private runs: [BacktestRun, BacktestRun];
  private readonly tally: ComparisonTally;

  constructor(
    private readonly a: Contender,
    private readonly b: Contender,
    startedAt?: number,
  ) {
    this.runs = [new BacktestRun(a.cfg, startedAt), new BacktestRun(b.cfg, startedAt)];
    this.tally = new ComparisonTally(a.label, b.label);
  }

  /** A fresh pair from the trace's `startedAt`, before any check. */
  restart(startedAt: number | undefined): void {
    this.runs = [new BacktestRun(this.a.cfg, startedAt), new BacktestRun(this.b.cfg, startedAt)];
  }

  /** Feeds one check; false once every later check is known to leave the comparison unchanged. */
  next(check: Check): boolean {
    const [ra, rb] = this.runs;
    this.tally.feed(check, ra.next(check), rb.next(check));
    // After both ended, only 5xx after one revert (and up to the other) still count.
    return !(ra.finished && rb.finished) || (ra.revertedAt === null) !== (rb.revertedAt === null);
  }

  result(): Comparison {
    return this.tally.result(this.runs[0].outcome, this.runs[1].outcome);
  }
}

/** `file` replayed under both contenders in one read; the comparison and the trace's check count. */
export async function streamComparison(
  a: Contender,
  b: Contender,
  file: string,
  source: string,
): Promise<{ comparison: Comparison; checks: number }> {
  const pair = new SideBySide(a, b);
  const visitor = {
    start: (startedAt: number | undefined) => pair.restart(startedAt),
    visit: (check: Check) => pair.next(check),
    countRest: true,
  };
  const checks = await eachCheck(file, source, visitor, () => Promise.resolve());
  return { comparison: pair.result(), checks };
}
