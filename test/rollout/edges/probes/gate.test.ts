import { afterEach, describe, expect, it } from "vitest";
import { postPromotionGate, preTrafficGate } from "../../../../src/rollout/edges/probes/gate";
import type { GateEndpoints } from "../../../../src/rollout/edges/probes/types";
import { describeGates } from "../../../../src/rollout/report/gate-text";
import { prodWith } from "../../fixtures";
import { serve, type TestServer } from "./servers";

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const noWait = async () => undefined;

async function endpoints(canaryStatus: number): Promise<GateEndpoints> {
  const canary = await serve(() => canaryStatus);
  const stable = await serve(() => 200);
  servers.push(canary, stable);
  return { canary: { url: canary.url }, stable: { url: stable.url }, public: { url: stable.url } };
}

const options = (cfg: ReturnType<typeof prodWith>, resolve: () => Promise<GateEndpoints>) => ({
  cfg,
  resolve,
  release: "ion-api-v2",
  projectDir: process.cwd(),
  sleep: noWait,
});

describe("the pre-traffic gate", () => {
  it("health, then the probe, then the command; all pass", async () => {
    const e = await endpoints(200);
    const cfg = prodWith({ rollout: { preTraffic: { command: { run: 'test -n "$CANARY_URL"' } } } });
    const record = await preTrafficGate(options(cfg, async () => e)).check();
    expect(record.passed).toBe(true);
    expect(record.probes.map((p) => [p.probe, p.passed])).toEqual([
      ["health", true],
      ["probe", true],
      ["command", true],
    ]);
  });

  it("a canary answering /health with 503 stops the gate before the probe sends it anything", async () => {
    const e = await endpoints(503);
    const record = await preTrafficGate(options(prodWith({}), async () => e)).check();
    expect(record).toMatchObject({ kind: "pre-traffic", passed: false });
    expect(record.probes.map((p) => p.probe)).toEqual(["health"]);
    expect(servers[0]?.requests).toEqual(["/health"]);
  });

  it("an endpoint that cannot be found is a NO-GO naming why", async () => {
    const record = await preTrafficGate(
      options(prodWith({}), async () => {
        throw new Error("the prod stack has no canaryUrl output");
      }),
    ).check();
    expect(record.passed).toBe(false);
    expect(record.probes[0]?.summary).toBe(
      "cannot find the endpoints: the prod stack has no canaryUrl output",
    );
  });

  it("the post-promotion check asks the public endpoint's health only", async () => {
    const e = await endpoints(200);
    const publicServer = await serve(() => 503);
    servers.push(publicServer);
    const record = await postPromotionGate(
      options(prodWith({}), async () => ({ ...e, public: { url: publicServer.url } })),
    ).check();
    expect(record).toMatchObject({ kind: "post-promotion", passed: false });
    expect(record.probes[0]?.target).toBe(`public ${publicServer.url}/health`);
  });

  it("plan describes it with the runbooks' numbers, per platform", () => {
    const text = describeGates(prodWith({})).join("\n");
    expect(text).toContain("canary revision's tagged URL canary---ion-api-");
    expect(text).toContain("health       3 x GET /health, all 2xx within 5000 ms");
    expect(text).toContain(
      "probe        10 requests per side to /health, 500 ms apart; canary success >= 95%",
    );
    expect(text).toContain("Post-promotion check: 3 x GET /health on the public endpoint before PROMOTED");
    expect(describeGates(prodWith({ rollout: { preTraffic: { enabled: false } } }))[0]).toContain("off");
  });
});

describe("the report of a refused rollout", () => {
  it("shows the gate's probes and the command's bounded output", async () => {
    const { markdownReport } = await import("../../../../src/rollout/report/report");
    const { gateDecisionRecord } = await import("../../../../src/rollout/core/gate/record");
    const record = gateDecisionRecord({
      gate: {
        kind: "pre-traffic",
        passed: false,
        probes: [
          { probe: "health", target: "canary http://c/health", passed: true, summary: "3/3 2xx" },
          {
            probe: "command",
            target: "pytest tests/integration",
            passed: false,
            summary: "exit 1 after 2 s",
            output: "FAILED test_login\n",
          },
        ],
      },
      seq: 1,
      at: 0,
      startedAtMs: 0,
      step: 1,
      steps: 5,
      weight: 0,
      nextWeight: 0,
    });
    expect(record.reason).toBe("pre-traffic NO-GO: command pytest tests/integration: exit 1 after 2 s");
    const state = {
      version: 1 as const,
      stage: "prod",
      id: "x",
      releases: prodWith({}).releases,
      status: "reverted" as const,
      startedAt: 0,
      updatedAt: 0,
      weight: 0,
      lastSafeWeight: 0,
      causedBy: 1,
      core: { step: { index: 0, startedAt: 0, requests: 0, checks: 0 }, analysis: {}, seq: 1 },
    };
    // biome-ignore lint/suspicious/noExplicitAny: a minimal state for the report
    const md = markdownReport({ state: state as any, records: [record] });
    expect(md).toContain("| command | pytest tests/integration | FAILED | exit 1 after 2 s |");
    expect(md).toContain("FAILED test_login");
  });
});
