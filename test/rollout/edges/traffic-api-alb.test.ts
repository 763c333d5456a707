import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterEach, describe, expect, it } from "vitest";
import { AlbTraffic } from "../../../src/rollout/edges/drivers/alb-traffic";
import { CANARY_TG, FakeElbv2, STABLE_TG } from "./fake-elbv2";

/** AWS: the listener's forward weights through the real ELBv2 SDK client, against an HTTP fake of the API. */
let fake: FakeElbv2 | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setUp(canary: number) {
  fake = await new FakeElbv2(canary).start();
  const client = new ElasticLoadBalancingV2Client({
    region: "ap-northeast-2",
    endpoint: fake.url,
    credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
    maxAttempts: 1,
  });
  const api = new AlbTraffic({ client, targetGroups: { stable: STABLE_TG, canary: CANARY_TG } });
  return { fake, api };
}

describe("AlbTraffic", () => {
  it("finds the listener that forwards to both groups (not the canary-only test listener) and reads its split", async () => {
    const { fake, api } = await setUp(25);
    expect(await api.servedCanaryWeight()).toBe(25);
    expect(fake.actions).toEqual(["DescribeTargetGroups", "DescribeListeners"]);
  });

  it("reverts with one ModifyListener: stable 100, canary 0, the rest of the action kept", async () => {
    const { fake, api } = await setUp(50);
    await api.setCanaryWeight(0);
    expect(fake.canaryWeight()).toBe(0);
    expect(fake.listeners[0]?.DefaultActions).toEqual([
      {
        Type: "forward",
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: STABLE_TG, Weight: 100 },
            { TargetGroupArn: CANARY_TG, Weight: 0 },
          ],
          TargetGroupStickinessConfig: { Enabled: false },
        },
      },
    ]);
    // The test listener is left alone.
    expect(fake.listeners[1]?.DefaultActions[0]?.TargetGroupArn).toBe(CANARY_TG);
    expect(fake.actions.filter((a) => a === "ModifyListener")).toHaveLength(1);
    expect(await api.servedCanaryWeight()).toBe(0);
  });
});
