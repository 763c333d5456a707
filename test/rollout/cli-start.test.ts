import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startCommand } from "../../src/rollout/commands/drive";
import { readState } from "../support/records";
import { spawnBin } from "../support/spawn-bin";
import { FakeTime } from "./fakes";
import { type LocalFake, localConfig, localFake } from "./safety/local-fakes";

/**
 * `ion-rollout start` end to end through the CLI, the local edges (HAProxy driver, Prometheus
 * source) and the runner, against a fake HAProxy runtime socket and a fake Prometheus HTTP API.
 * (The rehearsal does the same against the real ones.)
 */

/** The file's stage: no bake (the in-process run promotes at once), the runbook's consecutive rule. */
const config = (fake: LocalFake) => localConfig(fake, { bakeSeconds: 0, analysis: "consecutive" });

/** The real bin, once in this file: `start --json` with its step summary written to `summary`. */
async function start(file: string, summary: string) {
  const args = ["start", "e2e", "--config", file, "--image", "local/ion-api:2.0.0", "--json"];
  const {
    status: code,
    stdout,
    stderr,
  } = await spawnBin("bin/ion-rollout.cjs", args, {
    ...process.env,
    GITHUB_STEP_SUMMARY: summary,
  });
  return { code, stdout, stderr };
}

// The in-process run loads the edges as the CLI does, through vitest (the CLI's lazy require of
// from-config.ts needs bin/ion-rollout.cjs's tsx hook).
vi.mock("../../src/rollout/edges/load", async () => {
  const fromConfig = await import("../../src/rollout/edges/from-config");
  return { loadEdges: () => fromConfig };
});

function events(stdout: string) {
  return stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

describe("ion-rollout start (local edges against fakes)", () => {
  const fakes: LocalFake[] = [];
  // The one spawn of this file (a real rollout on a 1 s check interval), beside the in-process one.
  let reverted: ReturnType<typeof start>;
  beforeAll(async () => {
    fakes.push(await localFake(0), await localFake(0.03));
    const fake = fakes[1] as LocalFake;
    reverted = start(config(fake), join(fake.dir, "summary.md"));
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    for (const f of fakes) await f.close();
  });

  it("a healthy release steps 5 -> 50 -> 100 and promotes (exit 0), in fake time", async () => {
    const fake = fakes[0] as LocalFake;
    const summary = join(fake.dir, "summary.md");
    vi.stubEnv("GITHUB_STEP_SUMMARY", summary);
    const time = new FakeTime();
    let stdout = "";
    let stderr = "";
    const code = await startCommand(
      "e2e",
      { config: config(fake), image: "local/ion-api:2.0.0", json: true },
      {
        out: (text) => {
          stdout += text;
        },
        err: (text) => {
          stderr += text;
        },
      },
      { clock: time.clock, sleep: time.sleep },
    );
    expect(stderr).toContain("report:");
    expect(code, stderr + stdout.slice(-3000)).toBe(0);
    const printed = events(stdout);
    expect(printed.filter((e) => e.type === "apply").map((e) => e.weight)).toEqual([5, 50, 100, 100]);
    expect(printed.at(-1)).toMatchObject({ type: "end", outcome: "promoted", exitCode: 0 });
    // The deploy at 0%: the release's app started on the port stable does not use, the canary
    // server pointed at it, and the app answered with its own revision before any traffic.
    const canaryPort = fake.appPorts[1];
    expect(printed.filter((e) => e.type === "deploy").map((e) => [e.phase, e.detail])).toEqual([
      ["deploying", undefined],
      [
        "ready",
        `ion-api-v2-0-0 answers on 127.0.0.1:${canaryPort}, behind HAProxy server canary at weight 0`,
      ],
    ]);
    expect(fake.servers["app/canary"]).toEqual({ addr: "127.0.0.1", port: canaryPort });
    const health = await fetch(`http://127.0.0.1:${canaryPort}/health`);
    expect(await health.json()).toMatchObject({ revision: "ion-api-v2-0-0" });
    // Then each step through HAProxy's runtime API, stable first: 95/5, 50/50, 0/100, and the promotion.
    expect(fake.setCommands).toEqual([
      `set server app/canary addr 127.0.0.1 port ${canaryPort}`,
      "set server app/stable weight 95",
      "set server app/canary weight 5",
      "set server app/stable weight 50",
      "set server app/canary weight 50",
      "set server app/stable weight 0",
      "set server app/canary weight 100",
      "set server app/stable weight 0",
      "set server app/canary weight 100",
    ]);
    expect(fake.weights).toEqual({ "app/canary": 100, "app/stable": 0 });
    expect(readFileSync(summary, "utf8")).toContain("ion-rollout e2e: promoted");
    const state = await readState(join(fake.dir, "state"), "e2e");
    expect(state?.releases.canary).toEqual({ image: "local/ion-api:2.0.0", name: "ion-api-v2-0-0" });
  });

  it("a release at 3% errors is reverted at the third check (exit 2): the real bin", async () => {
    const fake = fakes[1] as LocalFake;
    const { code, stdout, stderr } = await reverted;
    expect(code, stderr).toBe(2);
    const checks = events(stdout).filter((e) => e.type === "check");
    expect(checks.map((e) => e.record.verdict)).toEqual(["OBSERVE", "OBSERVE", "NO-GO"]);
    const error = checks.at(-1).record.signals.find((s: { signal: string }) => s.signal === "errorRate");
    expect(error.query).toContain('revision_name="ion-api-v2-0-0"');
    expect(fake.setCommands[0]).toBe(`set server app/canary addr 127.0.0.1 port ${fake.appPorts[1]}`);
    expect(fake.weights).toEqual({ "app/canary": 0, "app/stable": 100 });
    expect(readFileSync(join(fake.dir, "summary.md"), "utf8")).toContain("ion-rollout e2e: reverted");
  });
});
