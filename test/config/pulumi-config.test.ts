import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { readStageFile } from "../../src/config";
import { stageConfigFromPulumi } from "../../src/config/pulumi";

/** The prod stage file as the Pulumi engine hands config to a program: strings, objects as JSON. */
function engineConfig(extra: Record<string, unknown> = {}): Record<string, string> {
  const raw = { ...readStageFile("prod").raw, ...extra };
  return Object.fromEntries(
    Object.entries(raw).map(([key, value]) => [
      `ion-deploy:${key}`,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}

describe("stage config inside a Pulumi program", () => {
  beforeAll(async () => {
    await pulumi.runtime.setMocks(
      { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs },
      "ion-deploy",
      "prod",
      false,
    );
  });

  it("reads the same config as the stage file", () => {
    pulumi.runtime.setAllConfig(engineConfig());
    const config = stageConfigFromPulumi();
    expect(config).toMatchObject({ stage: "prod", platform: "gcp", canaryWeight: 5 });
    expect(config.rollout.steps).toEqual([5, 10, 25, 50, 100]);
  });

  it("rejects a misspelt top-level key instead of ignoring it", () => {
    pulumi.runtime.setAllConfig(engineConfig({ canaryWieght: 50 }));
    expect(() => stageConfigFromPulumi()).toThrow(
      /ion-deploy:canaryWieght: unknown key; did you mean "canaryWeight"/,
    );
  });

  it("leaves secrets to stageSecret (a set secret is not mistaken for plaintext)", () => {
    pulumi.runtime.setAllConfig(engineConfig({ slackAuthToken: "xoxb-decrypted" }), [
      "ion-deploy:slackAuthToken",
    ]);
    expect(stageConfigFromPulumi().notifications.slackChannel).toBe("#ion-releases");
  });
});
