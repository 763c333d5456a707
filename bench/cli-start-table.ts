/** bench/results/cli-start.json (`npm run bench:cli`) and its sentence for README.md. */

export interface CliStartRow {
  /** "Node alone", "bundle" (bin/ion-rollout.cjs) or "tsx" (the sources through tsx). */
  label: string;
  wallMedian: number;
  /** Median CPU seconds (user + sys); null without /usr/bin/time. */
  cpuMedian: number | null;
}

export interface CliStartResults {
  command: string;
  at: string;
  runs: number;
  cores: number;
  /** The machine's 1-minute load average when the run started. */
  loadAverage: number;
  rows: CliStartRow[];
}

export function renderCliStart(r: CliStartResults): string {
  const of = (label: string) => {
    const row = r.rows.find((x) => x.label === label);
    if (!row) return "–";
    const cpu = row.cpuMedian === null ? "" : `${row.cpuMedian.toFixed(2)} s of CPU, `;
    return `${cpu}${row.wallMedian.toFixed(2)} s wall`;
  };
  return (
    `\`ion-rollout --help\` from the bundle: ${of("bundle")}; through tsx: ${of("tsx")}; Node alone: ${of("Node alone")} ` +
    `(medians of ${r.runs}, \`${r.command}\` at ${r.at} on ${r.cores} cores, load average ${r.loadAverage.toFixed(1)}).`
  );
}
