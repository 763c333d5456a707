import { closeSync, openSync, readSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import type { StageConfig } from "../../config";
import type { Check } from "../core/analysis";
import { type BacktestDecision, formatBacktest } from "../core/backtest";
import { exitCodeFor } from "../core/outcome";
import { TraceError } from "../core/trace";
import { BacktestRun, checkFromJson, TraceSplitter } from "../core/trace-stream";
import type { Streams } from "./common";

/**
 * `backtest` in constant memory: the trace is read in 1 MiB chunks and each decision is written
 * as it is made. `--json` keeps its document (`{ outcome, revertedAt, decisions }`, in that order)
 * by reading the trace twice: once for the outcome, once to write the decisions.
 */

const CHUNK = 1 << 20;

/** Every check of the trace file, in order, until `visit` returns false; waits for output to drain. */
async function eachCheck(
  file: string,
  source: string,
  visit: (check: Check) => boolean,
  drained: () => Promise<void>,
): Promise<void> {
  const fd = openSync(file, "r");
  const buffer = Buffer.alloc(CHUNK);
  const decoder = new StringDecoder("utf8");
  const splitter = new TraceSplitter();
  let index = 0;
  let previousAt = 0;
  try {
    for (
      let read = readSync(fd, buffer, 0, CHUNK, null);
      read > 0;
      read = readSync(fd, buffer, 0, CHUNK, null)
    ) {
      for (const text of splitter.feed(decoder.write(buffer.subarray(0, read)))) {
        const check = checkFromJson(text, index++, previousAt, source);
        previousAt = check.at;
        if (!visit(check)) return;
      }
      await drained();
    }
    splitter.end();
    if (index === 0) throw new TraceError(`invalid trace (${source}): checks: the trace has no checks`);
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
  const run = new BacktestRun(cfg);
  const visit = (check: Check) => {
    const decision = run.next(check);
    if (decision) onDecision?.(decision);
    return !run.finished;
  };
  await eachCheck(file, source, visit, io.drained ?? (() => Promise.resolve()));
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
