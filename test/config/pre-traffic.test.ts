import { describe, expect, it } from "vitest";
import { ConfigError, parseStageConfig, readStageFile } from "../../src/config";

type Raw = Record<string, unknown>;

function parse(stage: "prod" | "staging", edit: (raw: Raw) => Raw) {
  return parseStageConfig(stage, edit(structuredClone(readStageFile(stage).raw)));
}

function message(stage: "prod" | "staging", edit: (raw: Raw) => Raw): string {
  try {
    parse(stage, edit);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

const withPreTraffic = (preTraffic: unknown) => (raw: Raw) => ({
  ...raw,
  rollout: { ...(raw.rollout as Raw), preTraffic },
});

describe("rollout.preTraffic", () => {
  it("defaults to the runbooks' numbers: the blue-green runbook's health check, the readiness checklist's probe", () => {
    const pre = parse("prod", (raw) => raw).rollout.preTraffic;
    expect(pre).toMatchObject({
      enabled: true,
      health: { enabled: true, requests: 3, timeoutMs: 5000 },
      probe: { enabled: true, requestsPerSide: 10, spacingMs: 500, minSuccessRate: 0.95 },
      postPromotionCheck: true,
      acceptSelfSignedCanaryCert: false,
      auth: "auto",
    });
    expect(pre.command).toBeUndefined();
  });

  it("fills a command's timeout and output bound", () => {
    const pre = parse("prod", withPreTraffic({ command: { run: "pytest tests/integration" } })).rollout
      .preTraffic;
    expect(pre.command).toEqual({
      run: "pytest tests/integration",
      timeoutSeconds: 600,
      maxOutputBytes: 16_384,
    });
  });

  it("names the key of every mistake", () => {
    const text = message(
      "prod",
      withPreTraffic({ probe: { requestsPerSide: 0, spacing: 3 }, endpoints: { canary: "x" }, command: {} }),
    );
    expect(text).toContain("ion-deploy:rollout.preTraffic.probe.requestsPerSide: Too small");
    expect(text).toContain(
      'ion-deploy:rollout.preTraffic.probe.spacing: unknown key; did you mean "spacingMs"?',
    );
    expect(text).toContain("ion-deploy:rollout.preTraffic.endpoints.canary: must be an absolute URL");
    expect(text).toContain("ion-deploy:rollout.preTraffic.command.run:");
  });
});

describe("aws.alb.testListener", () => {
  const withTest = (testListener: unknown) => (raw: Raw) => {
    const aws = raw.aws as Raw;
    return { ...raw, aws: { ...aws, alb: { ...(aws.alb as Raw), testListener } } };
  };

  it("staging declares it on 8443 for an operator CIDR", () => {
    expect(parse("staging", (raw) => raw).aws?.alb.testListener).toEqual({
      port: 8443,
      allowedCidrs: ["203.0.113.0/24"],
    });
  });

  it("refuses the internet and the public ports", () => {
    const text = message("staging", withTest({ port: 443, allowedCidrs: ["0.0.0.0/0"] }));
    expect(text).toContain(
      "ion-deploy:aws.alb.testListener.allowedCidrs.0: the test listener reaches the canary before any check has passed; it must not be open to 0.0.0.0/0",
    );
    expect(text).toContain(
      "ion-deploy:aws.alb.testListener.port: 80 and 443 are the public listeners' ports",
    );
  });
});
