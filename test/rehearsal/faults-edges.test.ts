import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/rollout/core/outcome";
import { writeStageFile } from "./fixtures";
import { type Harness, openHarness } from "./harness";
import { type RuntimeApiProxy, startRuntimeApiProxy } from "./runtime-api-proxy";

/**
 * Faults of the runner's edges, against the real environment and the real `ion-rollout` CLI: the
 * traffic driver failing in the middle of a rollout, and the metrics backend going away mid-bake.
 * Neither may ever end in a promotion; both must leave HAProxy at the recorded (reverted) weight.
 */
let h: Harness;
let proxy: RuntimeApiProxy | undefined;

beforeAll(async () => {
  h = await openHarness();
}, 60_000);

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await h?.reset();
});

afterAll(async () => {
  await h?.close();
});

describe("edge faults on the real environment", () => {
  it("the traffic driver fails to apply a step: the runner reverts, and HAProxy serves 0%", async () => {
    const { local } = h.stage.cfg;
    if (!local) throw new Error("rehearsal stage without a local block");
    const canary = `${local.backend}/${local.canaryServer}`;
    // HAProxy's own answer when a weight change is refused (e.g. a static algorithm).
    proxy = await startRuntimeApiProxy(
      join(h.stage.workDir, "proxy.sock"),
      h.env.layout.haproxySocket,
      (command) =>
        command === `set server ${canary} weight 50`
          ? "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'."
          : undefined,
    );
    const stageFile = writeStageFile(join(h.stage.workDir, "Pulumi.proxied.yaml"), {
      ...h.stage.raw,
      local: { ...(h.stage.raw.local as Record<string, unknown>), haproxySocket: proxy.path },
    });

    const run = h.start([], stageFile);
    expect(await run.exited, run.output()).toBe(EXIT.reverted);
    expect(proxy.refused.length).toBeGreaterThan(0);
    const state = await h.state();
    expect(state?.status).toBe("reverted");
    expect(state?.weight).toBe(0);
    expect(state?.reason).toMatch(/apply of 50% failed/);
    expect(await h.env.driver.currentCanaryWeight()).toBe(0);
    expect((await h.journal()).some((r) => r.action === "promote")).toBe(false);
  }, 60_000);

  // Last in this file: it leaves Prometheus stopped.
  it("Prometheus stops mid-bake: checks turn INCONCLUSIVE, the runner reverts, never promotes", async () => {
    const run = h.start();
    // Mid-bake: a check has been judged at 10% with Prometheus up.
    await h.untilRecord((r) => r.weight === 10 && r.signals.length > 0, run);
    await h.env.prometheus.stop();
    const recordedBeforeStop = (await h.journal()).length;

    expect(await run.exited, run.output()).toBe(EXIT.reverted);
    const state = await h.state();
    expect(state?.status).toBe("reverted");
    expect(state?.weight).toBe(0);
    expect(await h.env.driver.currentCanaryWeight()).toBe(0);
    const records = await h.journal();
    expect(records.some((r) => r.action === "promote" || r.nextWeight === 100)).toBe(false);
    // Records after the stop; the first check may have been sampled just before it.
    const after = records.slice(recordedBeforeStop);
    if (after[0] && after[0].signals.length > 0 && after[0].verdict !== "INCONCLUSIVE") after.shift();
    const checks = after.filter((r) => r.signals.length > 0);
    expect(checks.length).toBeGreaterThanOrEqual(h.stage.cfg.rollout.maxInconclusiveChecks);
    expect(checks.every((r) => r.verdict === "INCONCLUSIVE")).toBe(true);
    expect(after.some((r) => r.action === "advance")).toBe(false);
  }, 60_000);
});
