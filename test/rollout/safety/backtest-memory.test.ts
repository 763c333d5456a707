import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtIonRollout } from "../../support/built-cli";
import { tempDir } from "../fakes";
import { ROOT } from "../fixtures";

/**
 * The backtest streams its input and its output, so memory does not grow
 * with the trace. A long trace of holding checks (p95 between the GO gate and the limit, all at
 * t=0 so no step ends) runs under a heap cap below what holding its decisions takes. Measured when
 * this was sized: a backtest that kept each decision ran out of a 48 MB heap by 20,000 checks; the
 * streaming one runs 40,000 in 24 MB with its output to a file. Through a pipe its output waits for
 * drain once per 1 MiB of trace read, which needs more than 32 MB when the reader is slow.
 */

const CHECKS = 20_000;
const HEAP_MB = 48;

async function longTrace(): Promise<string> {
  const file = join(tempDir(), "long.json");
  const out = createWriteStream(file);
  const check =
    '{"at":0,"canary":{"requests":1000,"errors":0,"p95Ms":300,"memory":0.4,"cpu":0.3},"stable":{"requests":19000,"errors":5,"p95Ms":120,"memory":0.4,"cpu":0.3}}';
  out.write('{"checks":[');
  for (let i = 0; i < CHECKS; i++) {
    if (!out.write(i === 0 ? check : `,\n${check}`))
      await new Promise<void>((r) => out.once("drain", () => r()));
  }
  out.write("]}\n");
  await new Promise<void>((r) => out.end(() => r()));
  return file;
}

function backtest(
  file: string,
  ...args: string[]
): Promise<{ code: number | null; lines: number; tail: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [builtIonRollout(), "backtest", file, "--stage", "prod", ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` },
    });
    let lines = 0;
    let tail = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      const text = d.toString();
      for (const c of text) if (c === "\n") lines++;
      tail = (tail + text).slice(-300);
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("close", (code) => resolve({ code, lines, tail, stderr }));
  });
}

describe("backtest in bounded memory", () => {
  it(`${CHECKS} checks, text and --json, under a ${HEAP_MB} MB heap`, async () => {
    const file = await longTrace();
    const text = await backtest(file);
    expect(text.stderr).toBe("");
    expect(text.code).toBe(3);
    expect(text.lines).toBe(CHECKS + 1);
    expect(text.tail).toContain("outcome: incomplete");
    const json = await backtest(file, "--json");
    expect(json.stderr).toBe("");
    expect(json.code).toBe(3);
    expect(json.lines).toBe(CHECKS + 6);
    expect(json.tail.trim().endsWith("]\n}")).toBe(true);
  }, 300_000);
});
