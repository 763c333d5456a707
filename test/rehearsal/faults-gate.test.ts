import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { appStats, setFaults } from "../../rehearsal/apps";
import { backendServers } from "../../rehearsal/haproxy";
import { httpOk } from "../../rehearsal/wait";
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
    const journal = await h.journal();
    expect(journal[0]?.reason).toMatch(
      /^pre-traffic NO-GO: health canary http:\/\/127\.0\.0\.1:\d+\/health: 0\/3 2xx/,
    );
    expect(journal.every((r) => r.nextWeight === 0)).toBe(true);
    expect(await h.state()).toMatchObject({ status: "reverted", weight: 0 });
    expect(await h.env.driver.currentCanaryWeight()).toBe(0);
    expect(await canarySessions()).toBe(sessionsBefore);
    expect(await userRequests()).toBe(requestsBefore);
  }, 60_000);

  it("a new image whose /health fails, over a healthy previous canary: the runner deploys it at 0% and refuses it, no user request reaches it", async () => {
    const broken = { image: "local/ion-api:1.9.0", name: "ion-api-v1-9-0" };
    const local = h.stage.raw.local as Record<string, unknown>;
    const stageFile = writeStageFile(join(h.stage.workDir, "Pulumi.broken-image.yaml"), {
      ...h.stage.raw,
      local: { ...local, images: { [broken.image]: ["--health-status", "503"] } },
    });
    // The previous canary is healthy: a gate that asked it would pass.
    const previous = await appStats(h.env.sides.canary);
    expect(previous.revisionName).toBe(h.stage.cfg.releases.canary.name);
    expect(await httpOk(`${h.env.sides.canary.url}${h.stage.cfg.service.healthPath}`)).toBeDefined();
    const sessionsBefore = await canarySessions();
    const run = h.cli(["start", "rehearsal", "--image", broken.image, "--name", broken.name], stageFile);
    expect(await run.exited, run.output()).toBe(EXIT.reverted);
    expect(run.output()).toMatch(/deploy ion-api-v1-9-0 \(local\/ion-api:1\.9\.0\) at 0%/);
    expect((await h.journal())[0]?.reason).toMatch(
      /^pre-traffic NO-GO: health canary http:\/\/127\.0\.0\.1:\d+\/health: 0\/3 2xx/,
    );
    expect((await h.journal()).every((r) => r.nextWeight === 0)).toBe(true);
    // The runner deployed the new image behind the canary server, and no user request reached it.
    const deployed = await appStats(h.env.sides.canary);
    expect(deployed.revisionName).toBe(broken.name);
    expect(deployed.responses["2xx"] + deployed.responses["4xx"] + deployed.responses["5xx"]).toBe(0);
    expect(await canarySessions()).toBe(sessionsBefore);
    expect(await h.env.driver.currentCanaryWeight()).toBe(0);
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
    const record = (await h.journal())[0];
    expect(record?.reason).toMatch(/^pre-traffic NO-GO: command .*: timed out after 1 s/);
    const command = record?.gate?.probes.find((p) => p.probe === "command");
    expect(command?.output).toMatch(/^testing ion-api-v\S+ at http:\/\/127\.0\.0\.1:\d+\n$/);
    expect(await h.env.driver.currentCanaryWeight()).toBe(0);
    expect(await canarySessions()).toBe(sessionsBefore);
  }, 60_000);
});
