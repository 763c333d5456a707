import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { BoundedOutput } from "../../../../src/rollout/edges/probes/bounded-output";
import { runGateCommand } from "../../../../src/rollout/edges/probes/command";

const ctx = {
  canaryUrl: "http://canary",
  stableUrl: "http://stable",
  stage: "prod",
  release: "ion-api-v2",
  cwd: process.cwd(),
  killGraceMs: 200,
  pipeDrainMs: 200,
};
const cmd = (run: string, extra = {}) => ({ run, timeoutSeconds: 30, maxOutputBytes: 1024, ...extra });

/** Running (a zombie waiting for its reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Processes (other than zombies) whose environment carries a gate run's marker. */
function marked(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "utf8").includes("ION_GATE_RUN=") && alive(Number(entry)))
        found.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

describe("runGateCommand (a real child process)", () => {
  it("passes on exit 0 with CANARY_URL, STABLE_URL, STAGE and RELEASE in its environment", async () => {
    const outcome = await runGateCommand(cmd('echo "$CANARY_URL $STABLE_URL $STAGE $RELEASE"'), ctx);
    expect(outcome.passed).toBe(true);
    expect(outcome.output).toBe("http://canary http://stable prod ion-api-v2\n");
    expect(outcome.summary).toMatch(/^exit 0 after/);
  });

  it("fails on a non-zero exit and keeps stderr with stdout", async () => {
    const outcome = await runGateCommand(cmd("echo one; echo two >&2; exit 3"), ctx);
    expect(outcome).toMatchObject({ passed: false, detail: { exitCode: 3, timedOut: false } });
    expect(outcome.summary).toMatch(/^exit 3 after/);
    expect(outcome.output).toContain("one");
    expect(outcome.output).toContain("two");
  });

  it("kills a hung command and everything it started (its process group) at the timeout", async () => {
    // The shell starts a grandchild that ignores nothing and would outlive a plain kill of the shell.
    const outcome = await runGateCommand(cmd("sleep 300 & echo $! ; wait", { timeoutSeconds: 1 }), ctx);
    expect(outcome).toMatchObject({ passed: false, detail: { timedOut: true } });
    expect(outcome.summary).toMatch(/^timed out after 1 s/);
    const grandchild = Number(outcome.output?.trim());
    expect(grandchild).toBeGreaterThan(0);
    // SIGKILL is delivered asynchronously: wait for the process to be gone, not for a time.
    await vi.waitFor(() => expect(alive(grandchild)).toBe(false), { timeout: 5_000 });
  });

  it("a daemon in its own session (setsid) holding the output pipe: the gate answers at the timeout and the daemon is killed", async () => {
    const outcome = await runGateCommand(
      cmd("setsid sleep 1000 & echo $!; sleep 300", { timeoutSeconds: 1 }),
      ctx,
    );
    expect(outcome).toMatchObject({ passed: false, detail: { timedOut: true } });
    expect(outcome.summary).toMatch(/^timed out after 1 s/);
    const daemon = Number(outcome.output?.trim());
    expect(daemon).toBeGreaterThan(0);
    await vi.waitFor(() => expect(alive(daemon)).toBe(false), { timeout: 5_000 });
  }, 15_000);

  it("a setsid daemon left by an interrupted command: the gate answers at once and the daemon is killed", async () => {
    const controller = new AbortController();
    const running = runGateCommand(cmd("setsid sleep 1000 & echo $!; sleep 300"), ctx, controller.signal);
    await vi.waitFor(() => expect(marked().length).toBeGreaterThan(0), { timeout: 5_000 });
    controller.abort();
    const outcome = await running;
    expect(outcome.passed).toBe(false);
    expect(outcome.summary).toMatch(/^interrupted/);
    const daemon = Number(outcome.output?.trim());
    await vi.waitFor(() => expect(alive(daemon)).toBe(false), { timeout: 5_000 });
  }, 15_000);

  it("a command that exits 0 but leaves a setsid daemon on its pipe: the gate answers, the daemon is gone", async () => {
    const outcome = await runGateCommand(cmd("setsid sleep 1000 & echo $!"), ctx);
    expect(outcome.passed).toBe(true);
    const daemon = Number(outcome.output?.trim());
    await vi.waitFor(() => expect(alive(daemon)).toBe(false), { timeout: 5_000 });
  }, 15_000);

  it("bounds what a chatty command leaves in the report: head and tail, the rest counted", async () => {
    const outcome = await runGateCommand(
      cmd("echo FIRST; yes 'line of output' | head -c 2000000; echo; echo LAST", { maxOutputBytes: 1024 }),
      ctx,
    );
    expect(outcome.passed).toBe(true);
    expect(outcome.detail?.outputBytes).toBeGreaterThan(2_000_000);
    expect(outcome.output?.length).toBeLessThan(1100);
    expect(outcome.output?.startsWith("FIRST\n")).toBe(true);
    expect(outcome.output?.trimEnd().endsWith("LAST")).toBe(true);
    expect(outcome.output).toMatch(/\.\.\. \d+ bytes omitted \.\.\./);
  });

  it("stops when the rollout is interrupted", async () => {
    const controller = new AbortController();
    const running = runGateCommand(cmd("echo started; sleep 300"), ctx, controller.signal);
    controller.abort();
    const outcome = await running;
    expect(outcome.passed).toBe(false);
    expect(outcome.summary).toMatch(/^interrupted/);
  });
});

describe("BoundedOutput", () => {
  it("keeps everything under the limit", () => {
    const out = new BoundedOutput(16);
    out.push(Buffer.from("hello"));
    expect(out.text()).toBe("hello");
  });
  it("keeps head and tail over it", () => {
    const out = new BoundedOutput(8);
    for (const c of "abcdefghijklmnop") out.push(Buffer.from(c));
    expect(out.text()).toBe("abcd\n... 8 bytes omitted ...\nmnop");
    expect(out.totalBytes).toBe(16);
  });
});
