import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";

const ROOT = resolve(__dirname, "../..");

export interface BinRun {
  status: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

/** Runs `bin` (a path from the repository root) with Node, collecting its streams; resolves when it exits. */
export function spawnBin(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<BinRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [bin, ...args], { cwd: ROOT, env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((done, fail) => {
    child.on("error", fail);
    child.on("close", (status) => done({ status, stdout, stderr, wallMs: performance.now() - started }));
  });
}
