import { describe, expect, it } from "vitest";
import { check, editResource, outcomeOf, renderCommitted, TYPES, violationsOf } from "./fixtures";

const policy = "alb-test-listener-restricted";
const RULE = "staging-alb-test-operators-0";

describe("alb-test-listener-restricted", () => {
  it("synth staging declares the test listener: HTTPS :8443, forwarding to the canary target group only", async () => {
    const staging = await renderCommitted("staging");
    const listener = staging.resources.find(
      (r) =>
        r.type === "aws:lb/listener:Listener" &&
        (r.inputs.tags as Record<string, string>)?.["ion-listener"] === "test",
    );
    expect(listener?.inputs).toMatchObject({
      port: 8443,
      protocol: "HTTPS",
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
    });
    const actions = listener?.inputs.defaultActions as { type: string; targetGroupArn: string }[];
    expect(actions).toHaveLength(1);
    expect(actions[0]?.type).toBe("forward");
    const canaryGroup = staging.resources.find(
      (r) =>
        r.type === "aws:lb/targetGroup:TargetGroup" &&
        (r.inputs.tags as Record<string, string>)?.["ion-role"] === "canary",
    );
    expect(actions[0]?.targetGroupArn).toContain(canaryGroup?.name);
    const rule = staging.resources.find((r) => r.name === RULE);
    expect(rule?.inputs).toMatchObject({
      cidrIpv4: "203.0.113.0/24",
      fromPort: 8443,
      toPort: 8443,
      ipProtocol: "tcp",
    });
  });

  it("passes the committed staging stack (operator CIDR only)", async () => {
    expect(outcomeOf(await check(await renderCommitted("staging")), policy)).toBe("passed");
  });

  it("refuses the test listener opened to 0.0.0.0/0", async () => {
    const open = editResource(await renderCommitted("staging"), TYPES.ingressRule, RULE, (inputs) => {
      inputs.cidrIpv4 = "0.0.0.0/0";
    });
    const found = violationsOf(await check(open), policy);
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toContain(
      "the test listener on port 8443 forwards to the canary before any check has passed",
    );
    expect(found[0]?.message).toContain("opens it to 0.0.0.0/0");
  });

  it("its compliant twin: another operator CIDR passes", async () => {
    const narrowed = editResource(await renderCommitted("staging"), TYPES.ingressRule, RULE, (inputs) => {
      inputs.cidrIpv4 = "198.51.100.0/24";
    });
    const run = await check(narrowed);
    expect(violationsOf(run, policy)).toEqual([]);
    expect(outcomeOf(run, policy)).toBe("passed");
  });

  it("does not apply to a stack without a test listener (prod on GCP)", async () => {
    expect(outcomeOf(await check(await renderCommitted("prod")), policy)).toBe("not-applicable");
  });
});
