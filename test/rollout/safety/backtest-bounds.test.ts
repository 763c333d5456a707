import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { INPUT_LIMITS, readBacktestInput } from "../../../src/rollout/commands/backtest-input";
import { builtIonRollout } from "../../support/built-cli";
import { tempDir } from "../fakes";
import { ROOT } from "../fixtures";

/**
 * `backtest` reads only what it can hold: a FIFO or device is refused (it would wait forever for
 * a writer), a check or journal line above the size limit is refused by name (not "Invalid string
 * length"), and `--compare` / `--rule` replay a long trace in bounded memory like the plain backtest.
 */

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI; a run that outlives `killAfterMs` is killed (it hung) and reports code null. */
function cli(args: string[], heapMb?: number, killAfterMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [builtIonRollout(), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...(heapMb ? { NODE_OPTIONS: `--max-old-space-size=${heapMb}` } : {}) },
    });
    const guard = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout = (stdout + d.toString()).slice(-4000);
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("close", (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

const CHECK =
  '{"at":0,"canary":{"requests":1000,"errors":0,"p95Ms":300,"memory":0.4,"cpu":0.3},"stable":{"requests":19000,"errors":5,"p95Ms":120,"memory":0.4,"cpu":0.3}}';

describe("backtest refuses inputs it cannot hold", () => {
  it("a FIFO: refused at once as not a regular file, with the fix", async () => {
    const fifo = join(tempDir(), "trace.fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const run = await cli(["backtest", fifo, "--stage", "prod"], undefined, 20_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/trace\.fifo is not a regular file/);
    expect(run.stderr).toMatch(/save .* to a file/);
  });

  it("a check longer than the line limit: a clear error naming it, also under --rule", async () => {
    const file = join(tempDir(), "wide.json");
    const wide = CHECK.replace('"at":0', `"at":0,"note":"${"x".repeat(2 ** 21)}"`);
    writeFileSync(file, `{"checks":[${CHECK},\n${wide}]}\n`);
    for (const extra of [[], ["--rule", "runbook"]]) {
      const run = await cli(["backtest", file, "--stage", "prod", ...extra]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/checks\[1\] is longer than 1048576 characters/);
      expect(run.stderr).not.toMatch(/Invalid string length|\n\s+at /);
    }
  });

  it("a journal line longer than the line limit, or a journal above the size limit: a clear error", () => {
    const dir = tempDir();
    const journal = join(dir, "prod.journal.jsonl");
    writeFileSync(journal, `{"seq":1,"signals":[],"note":"${"x".repeat(2 ** 21)}"}\n`);
    expect(() => readBacktestInput(journal, "prod")).toThrow(/line 1 is longer than 1048576 characters/);
    const big = join(dir, "big.journal.jsonl");
    writeFileSync(big, `${'{"seq":1,"signals":[]}\n'.repeat(100)}`);
    expect(() => readBacktestInput(big, "prod", { ...INPUT_LIMITS, maxFileBytes: 1000 })).toThrow(
      /big\.journal\.jsonl is 2300 bytes, more than 1000 that backtest reads whole/,
    );
  });
});

const CHECKS = 6_000;
const HEAP_MB = 24;

async function longTrace(): Promise<string> {
  const file = join(tempDir(), "long.json");
  const out = createWriteStream(file);
  out.write('{"checks":[');
  for (let i = 0; i < CHECKS; i++) {
    if (!out.write(i === 0 ? CHECK : `,\n${CHECK}`))
      await new Promise<void>((r) => out.once("drain", () => r()));
  }
  out.write("]}\n");
  await new Promise<void>((r) => out.end(() => r()));
  return file;
}

describe("backtest --rule / --compare in bounded memory", () => {
  it(`${CHECKS} holding checks under --rule runbook, under a ${HEAP_MB} MB heap`, async () => {
    const file = await longTrace();
    const run = await cli(["backtest", file, "--stage", "prod", "--rule", "runbook", "--json"], HEAP_MB);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const parsed = JSON.parse(run.stdout);
    expect(parsed.checks).toBe(CHECKS);
    expect(parsed.a).toMatchObject({ outcome: "incomplete", decisions: CHECKS });
    expect(parsed.b).toMatchObject({ outcome: "incomplete", decisions: CHECKS });
  }, 300_000);
});
