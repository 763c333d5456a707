import { mkdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { StageConfig } from "../src/config";
import { backtest } from "../src/rollout/core/backtest/replay";
import { firstTrafficAt } from "../src/rollout/core/first-traffic";
import { parseTraceDocument } from "../src/rollout/core/trace/format";
import { recordsInDirectory } from "../src/rollout/store/local-records";
import { runCli } from "./runner-cli";

/**
 * The rehearsal's last act: record the bad release's trace from the rehearsal's real
 * Prometheus with `ion-rollout trace`, write it under reports/, replay it to check it reaches the
 * live run's decision, and print `backtest --rule runbook`: the runbook's literal rule against the
 * stage's own on the same measurements.
 */
export interface ReplayAgreement {
  trace: string;
  /** `revertedAt` of both: seconds since the canary's first traffic. */
  live: { outcome: string; checks: number; revertedAt: number | null };
  replay: { outcome: string; checks: number; revertedAt: number | null };
  /** Same outcome, and a revert at the same check ± one. */
  agrees: boolean;
  comparison: string;
}

export interface RecordTraceOptions {
  cfg: StageConfig;
  configFile?: string;
  projectDir: string;
  stateDir: string;
  reportsDir: string;
  stage: string;
  say: (line: string) => void;
}

async function cli(options: RecordTraceOptions, args: string[]): Promise<{ code: number; output: string }> {
  const run = runCli(options.projectDir, [
    ...args,
    ...(options.configFile ? ["--config", options.configFile] : []),
  ]);
  const code = await run.exited;
  return { code, output: run.output() };
}

export async function recordBadReleaseTrace(options: RecordTraceOptions): Promise<ReplayAgreement> {
  const stored = recordsInDirectory(options.stateDir, options.stage);
  const state = await stored.readState();
  const records = (await stored.readCurrentJournal()).filter((r) => r.signals.length > 0);
  const last = records.at(-1);
  if (!state || !last) throw new Error("the bad rollout left no state or journal to trace");
  const interval = options.cfg.rollout.checkIntervalSeconds;
  // From the canary's first traffic (past the deploy at 0% and the gate), so the trace's checks
  // fall on the runner's and count traffic the canary had.
  const trafficAt = firstTrafficAt(records) ?? 0;
  const from = new Date(state.startedAt + trafficAt * 1000).toISOString();
  // One check past the revert, but never in the future.
  const to = new Date(Math.min(Date.now(), state.startedAt + (last.at + interval) * 1000)).toISOString();
  mkdirSync(options.reportsDir, { recursive: true });
  const file = join(options.reportsDir, "rehearsal-bad-release.trace.json");
  const shown = relative(options.projectDir, file);
  const { canary, stable } = state.releases;
  const args = [
    "trace",
    options.stage,
    "--canary",
    canary.name,
    "--stable",
    stable.name,
    "--from",
    from,
    "--to",
    to,
  ];
  options.say(`ion-rollout ${args.join(" ")} -o ${shown}`);
  const traced = await cli(options, [...args, "-o", file]);
  if (traced.code !== 0)
    throw new Error(`ion-rollout trace failed (exit ${traced.code}): ${traced.output.trim()}`);

  const parsed = parseTraceDocument(JSON.parse(readFileSync(file, "utf8")), shown);
  const replay = backtest(options.cfg, parsed.checks, parsed.startedAt);
  const liveOutcome = state.status;
  const liveChecks = records.length;
  const agrees = replay.outcome === liveOutcome && Math.abs(replay.decisions.length - liveChecks) <= 1;

  options.say(`ion-rollout backtest ${shown} --stage ${options.stage} --rule runbook`);
  const compared = await cli(options, ["backtest", file, "--stage", options.stage, "--rule", "runbook"]);
  return {
    trace: shown,
    live: {
      outcome: liveOutcome,
      checks: liveChecks,
      // On the trace's axis: seconds since the first traffic.
      revertedAt: liveOutcome === "reverted" ? last.at - trafficAt : null,
    },
    replay: { outcome: replay.outcome, checks: replay.decisions.length, revertedAt: replay.revertedAt },
    agrees,
    comparison: compared.output,
  };
}

/** The replay-vs-live line of the summary. */
export function describeAgreement(a: ReplayAgreement): string {
  const side = (s: ReplayAgreement["live"]) =>
    `${s.outcome}${s.revertedAt === null ? "" : ` at ${s.revertedAt.toFixed(1)} s`} (check ${s.checks})`;
  return `live ${side(a.live)}, replay ${side(a.replay)}: ${a.agrees ? "agree" : "DISAGREE"}`;
}
