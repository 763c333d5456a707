import { writeFileSync } from "node:fs";
import type { StageConfig } from "../../config";
import { EXIT } from "../core/outcome";
import { buildTrace, countGaps, type RecordedTrace } from "../core/trace/build";
import type { TraceDocument } from "../core/trace/format";
import { type CommonOptions, fail, loadConfig, processStreams, projectDirOf, type Streams } from "./common";
import { parseTimeRange, type TimeRange, TimeRangeError } from "./time-range";
import { defaultStepSeconds, recordFromStage, sourceHint, type TraceSourceDeps } from "./trace-source";

/**
 * `ion-rollout trace <stage> --canary REV --stable REV --from T1 --to T2 [--step S] [-o FILE]`:
 * records a backtest trace from the stage's metrics store with the runner's own queries, so
 * `backtest` can replay a past release under any thresholds or rule.
 */
export interface TraceOptions extends CommonOptions {
  canary: string;
  stable: string;
  from: string;
  to: string;
  step?: string;
  output?: string;
  metricsUrl?: string;
}

export interface TraceDeps extends TraceSourceDeps {
  /** Epoch ms: what `now` means in --from/--to, and the recording's timestamp. */
  now?: () => number;
}

/**
 * The stage with the traced revisions as its releases. `--canary`/`--stable` name what the
 * metrics store labels them: on Cloud Run the revisions themselves, so the selectors must not
 * derive a template-hashed name from them (`revision` wins over the derived name).
 */
function withReleases(cfg: StageConfig, canary: string, stable: string): StageConfig {
  return {
    ...cfg,
    releases: {
      stable: { ...cfg.releases.stable, name: stable, revision: stable },
      canary: { ...cfg.releases.canary, name: canary, revision: canary },
    },
  };
}

/** Queries past which a recording reports its progress off a terminal: two chunks of checks. */
const LONG_WORK = 25;

function progress(io: Streams): (done: number, total: number) => void {
  let shown = -1;
  return (done, total) => {
    // One line redrawn on a terminal; off it (CI logs) a line per tenth, and only for long work.
    const tenth = Math.floor((done / total) * 10);
    if (io.isTTY) io.err(`\rrecording: ${done}/${total} queries${done === total ? "\n" : ""}`);
    else if (total >= LONG_WORK && tenth !== shown) io.err(`recording: ${done}/${total} queries\n`);
    shown = tenth;
  };
}

function document(
  cfg: StageConfig,
  range: TimeRange,
  recorded: RecordedTrace,
  options: TraceOptions,
): TraceDocument {
  const stepMs = range.stepSeconds * 1000;
  // CloudWatch aligns --from down to its period; `at` counts from where the checks really start.
  const origin = (recorded.checkTimesMs[0] ?? range.fromMs + stepMs) - stepMs;
  return buildTrace({
    checkAtSeconds: recorded.checkTimesMs.map((t) => (t - origin) / 1000),
    series: recorded.series,
    source: {
      kind: cfg.platform === "aws" && !options.metricsUrl ? "cloudwatch" : "prometheus",
      stage: cfg.stage,
      canary: options.canary,
      stable: options.stable,
      from: new Date(origin).toISOString(),
      to: new Date(range.toMs).toISOString(),
      stepSeconds: range.stepSeconds,
      metrics: recorded.description,
    },
  });
}

export async function traceCommand(
  stage: string,
  options: TraceOptions,
  io: Streams = processStreams,
  deps: TraceDeps = {},
): Promise<number> {
  const loaded = loadConfig(stage, options, io);
  if (!loaded) return EXIT.error;
  const cfg = withReleases(loaded, options.canary, options.stable);
  let range: TimeRange;
  try {
    range = parseTimeRange(options, defaultStepSeconds(cfg), (deps.now ?? Date.now)());
  } catch (error) {
    if (error instanceof TimeRangeError) return fail(io, error.message);
    throw error;
  }
  let recorded: RecordedTrace;
  try {
    recorded = await recordFromStage(
      { cfg, range, metricsUrl: options.metricsUrl, onProgress: progress(io) },
      // The stack's outputs (AWS dimensions) are read in the stage file's Pulumi project.
      { workDir: projectDirOf(options), ...deps },
    );
  } catch (error) {
    return fail(
      io,
      `cannot record the trace: ${(error as Error).message}\n  ${sourceHint(cfg, options.metricsUrl)}`,
    );
  }
  const trace = document(cfg, range, recorded, options);
  const gaps = countGaps(trace);
  if (gaps === trace.checks.length) {
    return fail(
      io,
      `no data for --canary ${options.canary} in ${trace.source?.from}..${trace.source?.to}: every check is a gap; check the revision name and the range`,
    );
  }
  const text = `${JSON.stringify(trace, null, 2)}\n`;
  const summary = `${trace.checks.length} checks every ${range.stepSeconds} s, ${gaps} without canary data`;
  if (options.output) {
    try {
      writeFileSync(options.output, text);
    } catch (error) {
      return fail(io, `cannot write -o ${options.output}: ${(error as Error).message}`);
    }
    io.err(`wrote ${options.output}: ${summary}\n`);
  } else {
    io.out(text);
    io.err(`${summary}\n`);
  }
  return EXIT.ok;
}
