import type { Figure } from "./revert-latency-model";

export interface RevertLatencyRow {
  platform: string;
  path: "traffic API" | "targeted up";
  lock: string;
  /** Virtual ms from the revert decision to the platform serving canary 0%. */
  servedMs: number;
  /** Virtual ms until the stack agrees (its targeted up done, or failed). */
  agreedMs: number;
  /** The canary weight the fake serves at the end (0 when the revert landed). */
  servedWeight: number;
}

export interface RevertLatencyResults {
  command: string;
  budgets: { switchMs: number; rollbackMs: number };
  latencies: Record<string, Figure>;
  rows: RevertLatencyRow[];
}

const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : "never");
const within = (ms: number, budget: number) => (ms <= budget ? "yes" : "**no**");

/** The markdown table of `npm run bench:revert`, with the durations it charged and their sources. */
export function renderRevertLatency(results: RevertLatencyResults): string {
  const { budgets } = results;
  const lines = [
    `| platform | revert path | stack lock | split served at 0% | stack agrees | switch < ${budgets.switchMs / 1000} s | rollback < ${budgets.rollbackMs / 1000} s |`,
    "|---|---|---|---|---|---|---|",
    ...results.rows.map(
      (r) =>
        `| ${r.platform} | ${r.path} | ${r.lock} | ${seconds(r.servedMs)} | ${seconds(r.agreedMs)} | ${within(r.servedMs, budgets.switchMs)} | ${within(r.servedMs, budgets.rollbackMs)} |`,
    ),
    "",
    `Durations charged (virtual clock), from \`${results.command}\`:`,
    "",
    ...Object.entries(results.latencies).map(([name, f]) => `- ${name}: ${f.ms / 1000} s — ${f.source}`),
  ];
  return lines.join("\n");
}
