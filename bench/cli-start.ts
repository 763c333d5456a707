import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { buildIonRollout } from "../scripts/build-cli";
import type { CliStartResults, CliStartRow } from "./cli-start-table";
import { median } from "./stats";

/**
 * `npm run bench:cli`: how long `ion-rollout --help` takes to start, from the bundle (what the bin
 * runs when it is fresh) and from the sources through tsx (the bin's fallback). Wall time and the
 * child's CPU time (user + sys, from /usr/bin/time when installed; wall time alone on a busy
 * machine says more about the machine than about the CLI). Not a test: nothing here asserts.
 * Writes bench/results/cli-start.json (README.md's figures: `npm run bench:docs`).
 */

const ROOT = resolve(__dirname, "..");
const RUNS = 10;
const TIME = "/usr/bin/time";
const CLI_START_FILE = join(ROOT, "bench", "results", "cli-start.json");

function once(args: string[]): { wall: number; cpu?: number } {
  const started = process.hrtime.bigint();
  const timed = existsSync(TIME);
  const result = timed
    ? spawnSync(TIME, ["-f", "%U %S", process.execPath, ...args], { cwd: ROOT, encoding: "utf8" })
    : spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  const times = timed ? result.stderr.trim().split("\n").at(-1)?.split(" ").map(Number) : undefined;
  return { wall, ...(times ? { cpu: (times[0] ?? 0) + (times[1] ?? 0) } : {}) };
}

function measure(label: string, args: string[]): CliStartRow {
  const runs = Array.from({ length: RUNS }, () => once(args));
  const cpu = runs.flatMap((r) => (r.cpu === undefined ? [] : [r.cpu]));
  const row = { label, wallMedian: median(runs.map((r) => r.wall)) ?? 0, cpuMedian: median(cpu) };
  const cpuText = row.cpuMedian === null ? "" : `, CPU median ${row.cpuMedian.toFixed(2)} s`;
  console.log(`${label.padEnd(34)} wall median ${row.wallMedian.toFixed(2)} s${cpuText} (${RUNS} runs)`);
  return row;
}

async function main(): Promise<void> {
  const loadAverage = loadavg()[0] ?? 0;
  await buildIonRollout();
  const rows = [
    measure("Node alone", ["-e", ""]),
    measure("bundle", ["bin/ion-rollout.cjs", "--help"]),
    measure("tsx", ["--require", "tsx/cjs", "src/cli/ion-rollout.ts", "--help"]),
  ];
  const output: CliStartResults = {
    command: "npm run bench:cli",
    at: new Date().toISOString(),
    runs: RUNS,
    cores: cpus().length,
    loadAverage,
    rows,
  };
  mkdirSync(dirname(CLI_START_FILE), { recursive: true });
  writeFileSync(CLI_START_FILE, `${JSON.stringify(output, null, 1)}\n`);
  console.log("written: bench/results/cli-start.json");
}

void main();
