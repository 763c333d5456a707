import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { appStats, setFaults } from "../../rehearsal/apps";
import { backendServers } from "../../rehearsal/haproxy";
import { EXIT } from "../../src/rollout/core/outcome";
import { writeStageFile } from "./fixtures";
import { FAST_STEPS, type Harness, openHarness } from "./harness";

/**
 * The pre-traffic gate against the real environment and the real CLI: a canary that fails it is
 * never given a step, and HAProxy sends it no user request while steady load flows.
 */
let h: Harness;

beforeAll(async () => {
  h = await openHarness({ rollout: { ...FAST_STEPS, analysis: "consecutive" } });
}, 60_000);

afterEach(async () => {
  await h?.reset();
});

afterAll(async () => {
  await h?.close();
});

async function canarySessions(): Promise<number> {
  const servers = await backendServers(h.env.layout);
  return servers.find((s) => s.name === h.env.layout.local.canaryServer)?.sessions ?? -1;
}

async function userRequests(): Promise<number> {
  const { responses } = await appStats(h.env.sides.canary);
  return responses["2xx"] + responses["4xx"] + responses["5xx"];
}

describe("the pre-traffic gate on the real environment", () => {
  it("a canary whose /health answers 503 is refused at 0%: exit 2, pre-traffic NO-GO, no user request", async () => {
    await setFaults(h.env.sides.canary, { healthStatus: 503 });
    const [sessionsBefore, requestsBefore] = [await canarySessions(), await userRequests()];
    const run = h.start();
    expect(await run.exited, run.output()).toBe(EXIT.reverted);
    const journal = h.journal();
    expect(journal[0]?.reason).toMatch(
      /^pre-traffic NO-GO: health canary http:\/\/127\.0\.0\.1:\d+\/health: 0\/3 2xx/,
    );
    expect(journal.every((r) => r.nextWeight === 0)).toBe(true);
    expect(h.state()).toMatchObject({ status: "reverted", weight: 0 });
    expect(await h.env.driver.currentCanaryWeight()).toBe(0);
    expect(await canarySessions()).toBe(sessionsBefore);
    expect(await userRequests()).toBe(requestsBefore);
  }, 60_000);

  it("a gate command that hangs is killed at its timeout and the canary stays at 0%", async () => {
    const rollout = h.stage.raw.rollout as Record<string, unknown>;
    const stageFile = writeStageFile(join(h.stage.workDir, "Pulumi.hanging.yaml"), {
      ...h.stage.raw,
      rollout: {
        ...rollout,
        preTraffic: {
          ...(rollout.preTraffic as Record<string, unknown>),
          command: { run: 'echo "testing $RELEASE at $CANARY_URL"; sleep 300', timeoutSeconds: 1 },
        },
      },
    });
    const sessionsBefore = await canarySessions();
    const run = h.start([], stageFile);
    expect(await run.exited, run.output()).toBe(EXIT.reverted);
    const record = h.journal()[0];
    expect(record?.reason).toMatch(/^pre-traffic NO-GO: command .*: timed out after 1 s/);
    const command = record?.gate?.probes.find((p) => p.probe === "command");
    expect(command?.output).toMatch(/^testing ion-api-v\S+ at http:\/\/127\.0\.0\.1:\d+\n$/);
    expect(await h.env.driver.currentCanaryWeight()).toBe(0);
    expect(await canarySessions()).toBe(sessionsBefore);
  }, 60_000);
});
