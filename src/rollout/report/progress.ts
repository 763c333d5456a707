import type { SignalName } from "../core/analysis";
import type { RunnerEvent } from "../core/events";
import type { DecisionRecord, SignalRecord } from "../core/record";

/**
 * What a running rollout prints: a live view redrawn in place on a TTY, one plain line per event
 * otherwise, or newline-delimited JSON events (`--json`).
 */

export type ProgressMode = "tty" | "plain" | "json";

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
  return `${NAMES[s.signal].padEnd(12)} ${formatValue(s.signal, s.value).padStart(10)}${n}${limit}${gate}  ${s.verdict}`;
}

function compact(record: DecisionRecord): string {
  const signals = record.signals
    .map((s) => `${s.signal} ${formatValue(s.signal, s.value)} ${s.verdict}`)
    .join(", ");
  return `step ${record.step}/${record.steps} ${record.weight}% ${record.verdict} -> ${record.action}: ${record.reason}${signals ? ` [${signals}]` : ""}`;
}

function liveView(record: DecisionRecord, canary: string): string[] {
  const left = Math.round(Math.max(0, record.bake.bakeSeconds - record.bake.elapsedSeconds) * 10) / 10;
  return [
    `ion-rollout ${canary}: step ${record.step}/${record.steps} at ${record.weight}%  (check #${record.seq} at ${record.at}s)`,
    `  bake ${record.bake.elapsedSeconds}/${record.bake.bakeSeconds} s (${left} s left), evidence ${record.bake.requests}/${record.bake.minRequests} requests`,
    ...record.signals.map((s) => `  ${signalLine(s)}`),
    `  verdict ${record.verdict} -> ${record.action.toUpperCase()}: ${record.reason}`,
  ];
}

export function progressPrinter(
  mode: ProgressMode,
  write: (text: string) => void,
): (event: RunnerEvent) => void {
  let drawn = 0;
  let canary = "";
  const line = (text: string) => {
    if (mode === "tty" && drawn > 0) {
      write(`\x1b[${drawn}A\x1b[J`);
      drawn = 0;
    }
    write(`${text}\n`);
  };
  return (event) => {
    if (mode === "json") {
      const { state: _state, ...rest } = event as RunnerEvent & { state?: unknown };
      const keep = event.type === "start" || event.type === "end" ? event : rest;
      write(`${JSON.stringify(keep)}\n`);
      return;
    }
    const t = clock(event.at);
    switch (event.type) {
      case "start":
        canary = event.state.releases.canary.name;
        line(
          `${t} ${event.mode} ${event.stage}: ${event.state.releases.canary.name} (${event.state.releases.canary.image}) over ${event.state.releases.stable.name}; steps ${event.plan.steps.map((s) => `${s.weight}%`).join(" -> ")}, a check every ${event.plan.checkIntervalSeconds} s`,
        );
        return;
      case "deploy":
        line(
          event.phase === "deploying"
            ? `${t} deploy ${event.release.name} (${event.release.image}) at 0%`
            : `${t} ready ${event.release.name}: ${event.detail ?? "the platform reports it ready"}`,
        );
        return;
      case "apply":
        line(`${t} apply ${event.weight}% canary (${event.reason})`);
        return;
      case "warning":
        line(`${t} warning: ${event.message}`);
        return;
      case "end":
        line(`${t} ${event.outcome.toUpperCase()}: ${event.reason} (exit ${event.exitCode})`);
        return;
      case "check":
        if (mode === "tty") {
          if (drawn > 0) write(`\x1b[${drawn}A\x1b[J`);
          const lines = liveView(event.record, canary);
          write(`${lines.join("\n")}\n`);
          drawn = lines.length;
          // Actions other than a plain hold stay on screen.
          if (event.record.action !== "hold" || event.record.timedOut) drawn = 0;
        } else {
          line(`${t} ${compact(event.record)}`);
        }
    }
  };
}
