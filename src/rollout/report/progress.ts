import type { SignalName } from "../core/analysis/check";
import type { RunnerEvent } from "../core/events";
import { outcomeWord } from "../core/outcome-word";
import type { DecisionRecord, SignalRecord } from "../core/record";
import { onlyGathering } from "../core/text/plain-words";
import { displayText } from "./display-text";
import { gatheringEvidence, verdictLabel } from "./verdict-label";

/**
 * What a running rollout prints: a live block redrawn in place on a terminal, one plain line per
 * event otherwise (a pipe, a CI log, NO_COLOR, TERM=dumb), or newline-delimited JSON events
 * (`--json`). The live block is one line per row: each line is cut to the terminal's width, so
 * moving the cursor up by the number of lines printed always lands on the block's first row.
 */

export type ProgressMode = "tty" | "plain" | "json";

/**
 * `tty` only for a terminal that may take control sequences: NO_COLOR (any non-empty value,
 * https://no-color.org) and TERM=dumb get the plain line stream, with no escape codes at all.
 */
export function progressMode(
  json: boolean | undefined,
  isTTY: boolean | undefined,
  env: Record<string, string | undefined> = process.env,
): ProgressMode {
  if (json) return "json";
  if (!isTTY || (env.NO_COLOR ?? "") !== "" || env.TERM === "dumb") return "plain";
  return "tty";
}

const NAMES: Record<SignalName, string> = {
  errorRate: "error rate",
  p95LatencyMs: "P95 latency",
  memory: "memory",
  cpu: "CPU",
  health: "health",
};

export function formatValue(signal: SignalName, value: number | null | undefined): string {
  if (value === null || value === undefined) return "-";
  if (signal === "p95LatencyMs") return `${+value.toFixed(1)} ms`;
  if (signal === "health") return `${value} failed`;
  return `${+(value * 100).toFixed(2)}%`;
}

function clock(at: number): string {
  return new Date(at).toISOString().slice(11, 19);
}

function signalLine(s: SignalRecord): string {
  const t = s.threshold;
  const limit =
    t.rollbackAbove === undefined
      ? ""
      : ` | back > ${formatValue(s.signal, t.rollbackAbove)} (${s.counter}/${t.consecutive})`;
  const gate = t.goAtMost === undefined ? "" : ` | GO <= ${formatValue(s.signal, t.goAtMost)}`;
  const n = s.sampleSize === null ? "" : ` n=${s.sampleSize}`;
  const verdict = s.verdict !== "GO" && onlyGathering(s) ? "GATHERING" : s.verdict;
  return `${NAMES[s.signal].padEnd(12)} ${formatValue(s.signal, s.value).padStart(10)}${n}${limit}${gate}  ${verdict}`;
}

/** Bake and evidence as people count them: what is left, or that it is done; no "x/0". */
export function stepCounters(bake: DecisionRecord["bake"]): string {
  const seconds = (n: number) => `${Math.round(n * 10) / 10} s`;
  const left = bake.bakeSeconds - bake.elapsedSeconds;
  const baking =
    left > 0
      ? `bake ${seconds(bake.elapsedSeconds)} of ${seconds(bake.bakeSeconds)} (${seconds(left)} left)`
      : `${seconds(bake.elapsedSeconds)} at this step (bake of ${seconds(bake.bakeSeconds)} done)`;
  const short = bake.minRequests - bake.requests;
  const requests =
    short > 0
      ? `${bake.requests} of ${bake.minRequests} requests needed`
      : `${bake.requests} requests at this step`;
  return `${baking}, ${requests}`;
}

/** One line for a decision that does not redraw: a plain line stream, or history above the live block. */
function compact(record: DecisionRecord): string {
  const signals = record.signals
    .map((s) => `${s.signal} ${formatValue(s.signal, s.value)} ${s.verdict}`)
    .join(", ");
  const label = verdictLabel(record);
  return `step ${record.step}/${record.steps} ${record.weight}% ${label} -> ${record.action}: ${displayText(record.reason)}${signals ? ` [${signals}]` : ""}`;
}

function liveBlock(record: DecisionRecord, canary: string, at: string): string[] {
  const label = gatheringEvidence(record) ? "GATHERING EVIDENCE" : record.verdict;
  return [
    `ion-rollout ${canary}: step ${record.step}/${record.steps} at ${record.weight}%, check #${record.seq} (${at})`,
    `  ${stepCounters(record.bake)}`,
    ...record.signals.map((s) => `  ${signalLine(s)}`),
    `  ${label} -> ${record.action.toUpperCase()}: ${displayText(record.reason)}`,
  ];
}

/** Cuts a line to `width` columns (one per code point), marking the cut with an ellipsis. */
export function fitLine(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return `${chars.slice(0, Math.max(0, width - 1)).join("")}…`;
}

const COLORS: [RegExp, string][] = [
  [/\bNO-GO\b|\bREVERT\b/g, "31"],
  [/\bGATHERING( EVIDENCE)?\b|\bOBSERVE\b|\bINCONCLUSIVE\b|\bHOLD\b/g, "33"],
  [/(?<![-\w])GO\b|\bADVANCE\b|\bPROMOTE\b/g, "32"],
];

function colour(line: string): string {
  return COLORS.reduce((text, [pattern, code]) => text.replace(pattern, `\x1b[${code}m$&\x1b[0m`), line);
}

/** The one line an event other than a check prints. */
function eventLine(event: Exclude<RunnerEvent, { type: "check" }>, t: string): string {
  switch (event.type) {
    case "start":
      return `${t} ${event.mode} ${event.stage}: ${event.state.releases.canary.name} (${displayText(event.state.releases.canary.image)}) over ${event.state.releases.stable.name}; steps ${event.plan.steps.map((s) => `${s.weight}%`).join(" -> ")}, a check every ${event.plan.checkIntervalSeconds} s`;
    case "deploy":
      return event.phase === "deploying"
        ? `${t} deploy ${event.release.name} (${event.release.image}) at 0%`
        : `${t} ready ${event.release.name}: ${event.detail ?? "the platform reports it ready"}`;
    case "apply":
      return `${t} apply ${event.weight}% canary (${displayText(event.reason)})`;
    case "warning":
      return `${t} warning: ${displayText(event.message)}`;
    case "end":
      return `${t} ${event.outcome === "reverted" ? outcomeWord(event.state) : event.outcome.toUpperCase()}: ${displayText(event.reason)} (exit ${event.exitCode})`;
  }
}

/**
 * The printer for one run. `columns` is the terminal's width, read at each redraw (a resized
 * window takes effect at the next check); lines are cut one column short of it, so the cursor
 * never sits in the last column, where terminals differ on when they wrap.
 */
export function progressPrinter(
  mode: ProgressMode,
  write: (text: string) => void,
  columns: () => number = () => 80,
): (event: RunnerEvent) => void {
  let drawn = 0;
  let canary = "";
  const clear = () => {
    if (drawn > 0) write(`\x1b[${drawn}A\x1b[J`);
    drawn = 0;
  };
  const fitted = (text: string) =>
    mode === "tty" ? colour(fitLine(text, Math.max(20, columns() - 1))) : text;
  const line = (text: string) => {
    clear();
    write(`${fitted(text)}\n`);
  };
  return (event) => {
    if (mode === "json") {
      const { state: _state, ...rest } = event as RunnerEvent & { state?: unknown };
      const keep = event.type === "start" || event.type === "end" ? event : rest;
      write(`${JSON.stringify(keep)}\n`);
      return;
    }
    const t = clock(event.at);
    if (event.type !== "check") {
      if (event.type === "start") canary = event.state.releases.canary.name;
      line(eventLine(event, t));
      return;
    }
    const record = event.record;
    // A plain hold redraws the live block; any other decision stays as one line of history.
    if (mode !== "tty" || record.action !== "hold" || record.timedOut) {
      line(`${t} ${compact(record)}`);
      return;
    }
    clear();
    const lines = liveBlock(record, canary, t).map(fitted);
    write(`${lines.join("\n")}\n`);
    drawn = lines.length;
  };
}
