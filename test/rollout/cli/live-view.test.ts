import { describe, expect, it } from "vitest";
import { runRollout } from "../../../src/rollout/controller/runner";
import type { RunnerEvent } from "../../../src/rollout/core/events";
import { progressMode, progressPrinter, stepCounters } from "../../../src/rollout/report/progress";
import { fakeRun, healthy } from "../fakes";
import { prodWith } from "../fixtures";

const CSI = new RegExp(`^${String.fromCharCode(27)}\\[(\\d*)([A-Za-z])`);

/**
 * A terminal in memory, enough of one to replay the live view: printable characters wrap at
 * `columns` (as xterm does: the wrap happens when a character is written past the last column),
 * "\n" moves to the next row's start, ESC[nA moves up n rows, ESC[J erases from the cursor to
 * the end of the screen, ESC[...m (colour) changes nothing on screen.
 */
class FakeTerminal {
  rows: string[] = [""];
  private row = 0;
  private col = 0;
  constructor(readonly columns: number) {}

  write = (text: string): void => {
    for (let i = 0; i < text.length; i++) {
      const sequence = CSI.exec(text.slice(i));
      if (sequence) {
        i += sequence[0].length - 1;
        this.control(Number(sequence[1] || "1"), sequence[2] ?? "");
      } else if (text[i] === "\n") {
        this.moveTo(this.row + 1, 0);
      } else {
        if (this.col === this.columns) this.moveTo(this.row + 1, 0);
        const line = this.rows[this.row] ?? "";
        this.rows[this.row] = line.padEnd(this.col).slice(0, this.col) + text[i] + line.slice(this.col + 1);
        this.col++;
      }
    }
  };

  private control(n: number, command: string): void {
    if (command === "A") this.row = Math.max(0, this.row - n);
    if (command === "J") {
      this.rows = this.rows.slice(0, this.row + 1);
      this.rows[this.row] = (this.rows[this.row] ?? "").slice(0, this.col);
    }
  }

  private moveTo(row: number, col: number): void {
    this.row = row;
    this.col = col;
    while (this.rows.length <= row) this.rows.push("");
  }
}

/**
 * A recorded run: the prod plan under its sequential analysis on low traffic, so the last step holds
 * for a while gathering evidence (long reasons, each redrawing the live block), then promotes.
 */
let recorded: Promise<RunnerEvent[]> | undefined;
function recordedRun(): Promise<RunnerEvent[]> {
  recorded ??= record();
  return recorded;
}

async function record(): Promise<RunnerEvent[]> {
  const cfg = prodWith({
    rollout: { bakeSeconds: 300, checkIntervalSeconds: 60, maxStepSeconds: 7200, minRequestsPerStep: 0 },
  });
  const run = fakeRun(cfg, {}, () => healthy(10));
  await runRollout(run.options);
  return run.events;
}

const ESC = String.fromCharCode(27);

describe("the live view", () => {
  it.each([80, 120])(
    "replayed into a %i-column terminal: exactly one live block, no row wider than the screen",
    async (columns) => {
      const events = await recordedRun();
      const checks = events.filter((e) => e.type === "check");
      expect(checks.filter((e) => e.record.action === "hold").length).toBeGreaterThan(3);
      const canary = events.find((e) => e.type === "start")?.state.releases.canary.name ?? "";
      const terminal = new FakeTerminal(columns);
      const print = progressPrinter("tty", terminal.write, () => columns);
      // Up to the last hold: the block is live (an end or a non-hold decision turns it into history).
      const holds = events.flatMap((e, i) => (e.type === "check" && e.record.action === "hold" ? [i] : []));
      const lastHold = holds.at(-1) ?? -1;
      for (const e of events.slice(0, lastHold + 1)) print(e);
      const headers = terminal.rows.filter((row) => row.startsWith(`ion-rollout ${canary}: step`));
      // The decisions' lines are longer than the screen: a redraw that counted lines, not rows,
      // would leave stale blocks. (Their plain, uncut form.)
      let plain = "";
      const printPlain = progressPrinter("plain", (text) => {
        plain += text;
      });
      for (const e of events) printPlain(e);
      const longest = Math.max(...plain.split("\n").map((row) => row.length));
      expect(longest).toBeGreaterThan(columns);
      expect(headers).toHaveLength(1);
      expect(terminal.rows.every((row) => row.length < columns)).toBe(true);
    },
  );

  it("NO_COLOR or a pipe: a plain line stream with no escape codes", async () => {
    const events = await recordedRun();
    expect(progressMode(undefined, true, { NO_COLOR: "1" })).toBe("plain");
    expect(progressMode(undefined, true, { TERM: "dumb" })).toBe("plain");
    expect(progressMode(undefined, false, {})).toBe("plain");
    expect(progressMode(undefined, true, { NO_COLOR: "" })).toBe("tty");
    let text = "";
    const print = progressPrinter(progressMode(undefined, true, { NO_COLOR: "1" }), (t) => {
      text += t;
    });
    for (const e of events) print(e);
    expect(text).not.toContain(ESC);
    // One line per event.
    expect(text.trimEnd().split("\n")).toHaveLength(events.length);
  });

  it("outside text cannot move the cursor: escape sequences in a warning are taken out", () => {
    let text = "";
    const print = progressPrinter("plain", (t) => {
      text += t;
    });
    print({ type: "warning", at: 0, message: "backend said \x1b[2J\x1b[1Aboom\nnext" });
    expect(text).toBe("00:00:00 warning: backend said boom next\n");
  });

  it("counters say what is left, or that it is done: never 'x/0 requests' or '51/9 s (0 s left)'", () => {
    const bake = { elapsedSeconds: 51, bakeSeconds: 9, requests: 26, minRequests: 0, maxSeconds: null };
    expect(stepCounters(bake)).toBe("51 s at this step (bake of 9 s done), 26 requests at this step");
    expect(stepCounters({ ...bake, elapsedSeconds: 3, minRequests: 200 })).toBe(
      "bake 3 s of 9 s (6 s left), 26 of 200 requests needed",
    );
  });
});
