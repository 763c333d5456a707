import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { buildIonRollout } from "../scripts/build-cli";
import { median } from "./stats";

/**
 * `npm run bench:cli`: how long `ion-rollout --help` takes to start, from the bundle (what the bin
 * runs when it is fresh) and from the sources through tsx (the bin's fallback). Wall time and the
 * child's CPU time (user + sys, from /usr/bin/time when installed; wall time alone on a busy
 * machine says more about the machine than about the CLI). Not a test: nothing here asserts.
 */

const ROOT = resolve(__dirname, "..");
const RUNS = 10;
const TIME = "/usr/bin/time";

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

function measure(label: string, args: string[]): void {
  const runs = Array.from({ length: RUNS }, () => once(args));
  const cpu = runs.flatMap((r) => (r.cpu === undefined ? [] : [r.cpu]));
  const cpuText = cpu.length > 0 ? `, CPU median ${(median(cpu) ?? 0).toFixed(2)} s` : "";
  console.log(
    `${label.padEnd(34)} wall median ${(median(runs.map((r) => r.wall)) ?? 0).toFixed(2)} s${cpuText} (${RUNS} runs)`,
  );
}

async function main(): Promise<void> {
  await buildIonRollout();
  measure("node -e '' (Node alone)", ["-e", ""]);
  measure("bundle: bin/ion-rollout.cjs --help", ["bin/ion-rollout.cjs", "--help"]);
  measure("tsx: src/cli/ion-rollout.ts --help", ["--require", "tsx/cjs", "src/cli/ion-rollout.ts", "--help"]);
}

void main();
