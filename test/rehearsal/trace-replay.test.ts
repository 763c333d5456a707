import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setFaults } from "../../rehearsal/apps";
import { firstTrafficAt } from "../../src/rollout/core/first-traffic";
import { EXIT } from "../../src/rollout/core/outcome";
import { fileOf, journalKey } from "../support/records";
import { type Harness, openHarness } from "./harness";

/**
 * A trace recorded with `ion-rollout trace` from the rehearsal's real
 * Prometheus replays (`ion-rollout backtest`) to the live run's decision: same outcome, revert at
 * the same check ± one. And the live run's own journal replays to exactly its decisions.
 */
let h: Harness;
const out = mkdtempSync(join(tmpdir(), "ion-trace-replay-"));

/**
 * The rehearsal's judgement (sequential evidence, pre-traffic gate) on a one-step plan: the fault
 * starts as soon as 50% is served, so the run is the revert, not a wait for the GO gate at 10%.
 */
const AT_HALF = { steps: [50, 100], bakeSeconds: [6, 0] };

beforeAll(async () => {
  h = await openHarness({ rollout: AT_HALF });
}, 60_000);

afterAll(async () => {
  await h?.close();
  rmSync(out, { recursive: true, force: true });
});

interface Replay {
  outcome: string;
  revertedAt: number | null;
  decisions: { at: number; verdict: string; action: string }[];
}

async function cliJson(args: string[]): Promise<Replay> {
  const run = h.cli(args);
  const code = await run.exited;
  expect(code, run.output()).toBe(EXIT.reverted);
  return JSON.parse(run.output()) as Replay;
}

describe("a recorded trace replays to the live decision", () => {
  it("bad canary at 50%: live revert, trace revert at the same check ± 1, journal replay identical", async () => {
    const live = h.start();
    await h.untilWeight((w) => w === 50);
    await setFaults(h.env.sides.canary, { errorRate: 0.2 });
    expect(await live.exited, live.output()).toBe(EXIT.reverted);

    const state = await h.state();
    const records = (await h.journal()).filter((r) => r.signals.length > 0);
    const last = records.at(-1);
    expect(state?.status).toBe("reverted");
    if (!state || !last) throw new Error("no state or journal");
    const interval = h.stage.cfg.rollout.checkIntervalSeconds;
    const file = join(out, "bad.trace.json");
    // From the first traffic (past the deploy at 0% and the gate): the trace's checks then fall
    // on the runner's, and its `at` counts from there.
    const trafficAt = firstTrafficAt(records) ?? 0;
    const from = state.startedAt + trafficAt * 1000;
    const to = Math.min(Date.now(), state.startedAt + (last.at + interval) * 1000);
    const traced = h.cli([
      "trace",
      "rehearsal",
      "--canary",
      state.releases.canary.name,
      "--stable",
      state.releases.stable.name,
      "--from",
      new Date(from).toISOString(),
      "--to",
      new Date(to).toISOString(),
      "-o",
      file,
    ]);
    expect(await traced.exited, traced.output()).toBe(EXIT.ok);
    const trace = JSON.parse(readFileSync(file, "utf8"));
    expect(trace.source).toMatchObject({
      kind: "prometheus",
      canary: state.releases.canary.name,
      stepSeconds: interval,
    });

    const replay = await cliJson(["backtest", file, "--stage", "rehearsal", "--json"]);
    expect(replay.outcome).toBe("reverted");
    expect(Math.abs(replay.decisions.length - records.length)).toBeLessThanOrEqual(1);
    expect(Math.abs((replay.revertedAt as number) - (last.at - trafficAt))).toBeLessThanOrEqual(interval + 1);

    const journal = await cliJson([
      "backtest",
      fileOf(h.stateDir, journalKey("rehearsal", state.id)),
      "--stage",
      "rehearsal",
      "--json",
    ]);
    expect(journal.decisions.map((d) => `${d.verdict} ${d.action}`)).toEqual(
      records.map((r) => `${r.verdict} ${r.action}`),
    );
  }, 90_000);
});
