import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { StageConfig } from "../../../src/config";
import { readBacktestInput } from "../../../src/rollout/commands/backtest-input";
import type { Check } from "../../../src/rollout/core/analysis";
import { backtest } from "../../../src/rollout/core/backtest";
import { actionRecord, type DecisionRecord } from "../../../src/rollout/core/record";
import { parseTrace } from "../../../src/rollout/core/trace";
import { check, prod, prodWith, ROOT } from "../fixtures";

const dir = mkdtempSync(join(tmpdir(), "ion-journal-replay-"));

function committed(name: string): Check[] {
  return parseTrace(JSON.parse(readFileSync(join(ROOT, "test", "traces", `${name}.json`), "utf8")));
}

/** A journal as the runner writes it: the decision records of a run over `checks`, one JSON line each. */
function journalOf(cfg: StageConfig, checks: Check[], extra: DecisionRecord[] = [], torn = false): string {
  const records = [...backtest(cfg, checks, 0).decisions, ...extra];
  const path = join(dir, `${Math.random().toString(36).slice(2)}.journal.jsonl`);
  writeFileSync(
    path,
    `${records.map((r) => JSON.stringify(r)).join("\n")}\n${torn ? '{"seq": 99, "at' : ""}`,
  );
  return path;
}

const decisions = (cfg: StageConfig, checks: Check[], startedAt: number) =>
  backtest(cfg, checks, startedAt).decisions.map((d) => `${d.at} ${d.verdict} ${d.action}`);

describe("backtest of a past rollout's journal", () => {
  it("recovers each check's canary counts from pooled evidence blocks and replays to the same decisions", () => {
    const cfg = prod();
    const checks = committed("low-traffic-degraded");
    const input = readBacktestInput(journalOf(cfg, checks), "prod");
    expect(input.kind).toBe("journal");
    const replayed = input.checks.length;
    expect(input.checks.map((c) => [c.canary.requests, c.canary.errors])).toEqual(
      checks.slice(0, replayed).map((c) => [c.canary.requests, c.canary.errors]),
    );
    expect(decisions(cfg, input.checks, input.startedAt)).toEqual(decisions(cfg, checks, 0));
  });

  it("keeps inconclusive checks inconclusive (no data stays null) and reverts where the live run did", () => {
    const cfg = prod();
    const checks = committed("missing-metrics");
    const input = readBacktestInput(journalOf(cfg, checks), "prod");
    const gaps = input.checks.filter((c) => c.canary.requests === null).length;
    expect(gaps).toBe(checks.slice(0, input.checks.length).filter((c) => c.canary.requests === null).length);
    expect(gaps).toBe(3);
    expect(backtest(cfg, input.checks, 0)).toMatchObject({
      outcome: "reverted",
      revertedAt: backtest(cfg, checks, 0).revertedAt,
    });
  });

  it("with the relative check on, stable's pooled counts come back per judged block, so its verdicts hold", () => {
    const cfg = prodWith({
      thresholds: {
        errorRate: {
          rollbackAbove: 0.01,
          consecutive: 3,
          goAtMost: 0.005,
          compareToStable: { worseByFactor: 2, confidence: 0.99 },
        },
      },
    });
    const checks = [0, 60, 120, 180, 240, 300, 360].map((at) =>
      check(at, { requests: 30, errors: 1 }, { requests: 570, errors: 1 }),
    );
    const input = readBacktestInput(journalOf(cfg, checks), "prod");
    expect(decisions(cfg, input.checks, 0)).toEqual(decisions(cfg, checks, 0));
  });

  it("skips operator records (no signals) and a torn last line", () => {
    const cfg = prod();
    const checks = committed("adequate-traffic-three-2pct").slice(0, 3);
    const abort = actionRecord({
      seq: 9,
      at: 200,
      startedAtMs: 0,
      step: 1,
      steps: 5,
      weight: 5,
      action: "revert",
      reason: "operator abort",
      nextWeight: 0,
    });
    const input = readBacktestInput(journalOf(cfg, checks, [abort], true), "prod");
    expect(input.checks.map((c) => c.at)).toEqual(checks.map((c) => c.at));
  });

  it("a file that is neither a trace nor a journal is refused with both names", () => {
    const path = join(dir, "junk.txt");
    writeFileSync(path, "hello\n");
    expect(() => readBacktestInput(path, "prod")).toThrow(/neither a trace \(JSON\) nor a journal/);
  });
});
