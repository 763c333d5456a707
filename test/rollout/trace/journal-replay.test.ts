import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { StageConfig } from "../../../src/config";
import { readBacktestInput } from "../../../src/rollout/commands/backtest-input";
import type { Check } from "../../../src/rollout/core/analysis/check";
import { backtest } from "../../../src/rollout/core/backtest/replay";
import { actionRecord, type DecisionRecord } from "../../../src/rollout/core/record";
import type { CounterSnapshot } from "../../../src/rollout/core/sample/sample";
import { parseTrace } from "../../../src/rollout/core/trace/format";
import { check, consecutiveProd, consecutiveProdWith, prod, ROOT } from "../fixtures";

const dir = mkdtempSync(join(tmpdir(), "ion-journal-replay-"));

function committed(name: string): Check[] {
  return parseTrace(JSON.parse(readFileSync(join(ROOT, "test", "traces", `${name}.json`), "utf8")));
}

/** A journal as the runner writes it: the decision records of a run over `checks`, one JSON line each. */
function journalOf(
  cfg: StageConfig,
  checks: Check[],
  extra: DecisionRecord[] = [],
  torn = false,
  /** An older journal: records without `measured`. */
  old = false,
): string {
  const records = [...backtest(cfg, checks, 0).decisions, ...extra].map((r) => {
    if (!old) return r;
    const { measured: _, ...rest } = r;
    return rest;
  });
  const path = join(dir, `${Math.random().toString(36).slice(2)}.journal.jsonl`);
  writeFileSync(
    path,
    `${records.map((r) => JSON.stringify(r)).join("\n")}\n${torn ? '{"seq": 99, "at' : ""}`,
  );
  return path;
}

const decisions = (cfg: StageConfig, checks: Check[], startedAt: number) =>
  backtest(cfg, checks, startedAt).decisions.map((d) => `${d.at} ${d.verdict} ${d.action}`);

const counts = (checks: Check[]) =>
  checks.map((c) => [c.canary.requests, c.canary.errors, c.canary.slow, c.stable.requests, c.stable.errors]);

/** Raw cumulative counters after `k` checks of 100 canary requests with `errors` 5xx each (and 2 000 stable). */
function counters(k: number, errors: number): CounterSnapshot {
  const one = (series: string, value: number) => [{ series, value }];
  const zero = { canary: { requests: one("c", 0), errors: one("c5", 0) }, stable: { requests: one("s", 0) } };
  return {
    at: FROM + k * 60_000,
    canary: {
      requests: one("c", 100 * k),
      errors: one("c5", errors * k),
      latencyCount: one("h", 100 * k),
      latencyFast: one("h", 100 * k),
    },
    stable: { requests: one("s", 2_000 * k), errors: one("s5", 0) },
    baseline: { at: FROM, ...zero },
  };
}
const FROM = Date.UTC(2026, 10, 23, 9);

describe("backtest of a past rollout's journal (records with measured values)", () => {
  it("replays each check's recorded sample, slow included, to exactly its decisions under the sequential analysis", () => {
    const cfg = prod();
    expect(cfg.rollout.analysis).toBe("sequential");
    // The committed 5% trace, with the slow-request count the Prometheus source now reads.
    const checks = committed("low-traffic-degraded").map((c, i) => ({
      ...c,
      canary: { ...c.canary, slow: i % 3 },
      stable: { ...c.stable, slow: 4 },
    }));
    const file = journalOf(cfg, checks);
    const input = readBacktestInput(file, "prod");
    expect(input.kind).toBe("journal");
    expect(counts(input.checks)).toEqual(counts(checks.slice(0, input.checks.length)));
    expect(decisions(cfg, input.checks, input.startedAt)).toEqual(decisions(cfg, checks, 0));
    // Journal lines stay bounded: `measured` holds numbers (or null) only.
    for (const line of readFileSync(file, "utf8").trim().split("\n")) {
      const measured = JSON.parse(line).measured;
      for (const side of [measured.canary, measured.stable])
        for (const value of Object.values(side))
          expect(value === null || typeof value === "number").toBe(true);
    }
  });

  it("a slow-request share that reverts (P95 by counts) replays to the same revert", () => {
    const cfg = prod();
    // 100 requests per check, 20 of them slower than 500 ms (20% > the 5% behind P95): the slow
    // share's evidence reverts, the error rate is clean.
    const checks = [60, 120, 180, 240].map((at) => check(at, { requests: 100, errors: 0, slow: 20 }));
    const live = backtest(cfg, checks, 0);
    expect(live.outcome).toBe("reverted");
    expect(live.decisions.at(-1)?.reason).toContain("P95 latency");
    const input = readBacktestInput(journalOf(cfg, checks), "prod");
    expect(decisions(cfg, input.checks, 0)).toEqual(decisions(cfg, checks, 0));
  });

  it("where the analysis read raw counters, the ledger's counts are recorded and replayed, not the windows'", () => {
    const cfg = prod();
    // The windows say 100 clean requests per check; the counters say 3 of every 100 failed (late
    // samples, an extrapolating increase()): the live run judged the counters.
    const checks: Check[] = [1, 2, 3, 4, 5, 6, 7, 8].map((k) => ({
      ...check(60 * k, { requests: 100, errors: 0 }, { requests: 2_000, errors: 0 }),
      counters: counters(k, 3),
    }));
    const live = decisions(cfg, checks, 0);
    const input = readBacktestInput(journalOf(cfg, checks), "prod");
    expect(input.checks[0]?.deltas).toEqual({
      canary: { requests: 100, errors: 3, latencyCount: 100, latencyFast: 100 },
      stable: { requests: 2_000, errors: 0 },
    });
    expect(decisions(cfg, input.checks, 0)).toEqual(live);
    expect(live.at(-1)).toMatch(/NO-GO revert$/);
    // The windows alone would not have reverted there: the deltas are what made the replay exact.
    const windowsOnly = checks.map(({ counters: _, ...c }) => c);
    expect(decisions(cfg, windowsOnly, 0)).not.toEqual(live);
  });
});

describe("backtest of an older journal (no measured values: counts recovered from the records)", () => {
  it("recovers each check's canary counts from pooled evidence blocks and replays to the same decisions", () => {
    const cfg = consecutiveProd();
    const checks = committed("low-traffic-degraded");
    const input = readBacktestInput(journalOf(cfg, checks, [], false, true), "prod");
    expect(input.kind).toBe("journal");
    const replayed = input.checks.length;
    expect(input.checks.map((c) => [c.canary.requests, c.canary.errors])).toEqual(
      checks.slice(0, replayed).map((c) => [c.canary.requests, c.canary.errors]),
    );
    expect(decisions(cfg, input.checks, input.startedAt)).toEqual(decisions(cfg, checks, 0));
  });

  it("a sequential record without measured gives its check's canary counts from its evidence", () => {
    const cfg = prod();
    const checks = committed("low-traffic-degraded");
    const input = readBacktestInput(journalOf(cfg, checks, [], false, true), "prod");
    expect(input.checks.map((c) => [c.canary.requests, c.canary.errors])).toEqual(
      checks.slice(0, input.checks.length).map((c) => [c.canary.requests, c.canary.errors]),
    );
    expect(decisions(cfg, input.checks, 0)).toEqual(decisions(cfg, checks, 0));
  });

  it("keeps inconclusive checks inconclusive (no data stays null) and reverts where the live run did", () => {
    const cfg = consecutiveProd();
    const checks = committed("missing-metrics");
    const input = readBacktestInput(journalOf(cfg, checks, [], false, true), "prod");
    const gaps = input.checks.filter((c) => c.canary.requests === null).length;
    expect(gaps).toBe(checks.slice(0, input.checks.length).filter((c) => c.canary.requests === null).length);
    expect(gaps).toBe(3);
    expect(backtest(cfg, input.checks, 0)).toMatchObject({
      outcome: "reverted",
      revertedAt: backtest(cfg, checks, 0).revertedAt,
    });
  });

  it("with the relative check on, stable's pooled counts come back per judged block, so its verdicts hold", () => {
    const cfg = consecutiveProdWith({
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
    const input = readBacktestInput(journalOf(cfg, checks, [], false, true), "prod");
    expect(decisions(cfg, input.checks, 0)).toEqual(decisions(cfg, checks, 0));
  });
});

describe("backtest of a journal whose canary was deployed at 0% before step 1", () => {
  it("step 1's bake counts from its first traffic, so the replay advances where the live run did", () => {
    const cfg = consecutiveProd();
    // A 4-minute deploy and gate: step 1's weight lands at 240 s, checks every 60 s after it.
    const deployed = 240;
    const checks = Array.from({ length: 20 }, (_, k) =>
      check(deployed + 60 * (k + 1), { requests: 1_000, errors: 0 }),
    );
    const live = backtest(cfg, checks, deployed).decisions;
    // The 900 s bake ends at 1 140 s of the rollout: the live run advanced there, not at 900 s.
    expect(live.find((d) => d.action === "advance")?.at).toBe(deployed + 900);
    const path = join(dir, "deployed-first.journal.jsonl");
    writeFileSync(path, `${live.map((r) => JSON.stringify(r)).join("\n")}\n`);
    const input = readBacktestInput(path, "prod");
    expect(input.startedAt).toBe(deployed);
    expect(decisions(cfg, input.checks, input.startedAt)).toEqual(
      live.map((d) => `${d.at} ${d.verdict} ${d.action}`),
    );
  });
});

describe("backtest of a journal: what is not a check", () => {
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
