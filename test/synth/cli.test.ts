import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadStageConfig } from "../../src/config";
import { inProcess, ROOT, spawned, useInProcessCli } from "../support/ion-deploy";

useInProcessCli();
const ionDeploy = inProcess;

/** Pulumi.prod.yaml with one `ion-deploy:*` key replaced, written to a temp file. */
function prodVariant(key: string, value: unknown): string {
  const document = parse(readFileSync(join(ROOT, "Pulumi.prod.yaml"), "utf8"));
  document.config[`ion-deploy:${key}`] = value;
  const file = join(mkdtempSync(join(tmpdir(), "ion-synth-")), "Pulumi.prod.yaml");
  writeFileSync(file, stringify(document));
  return file;
}

describe("ion-deploy synth", () => {
  // The one spawn of this file: the real bin, its exit code and its streams.
  let real: ReturnType<typeof spawned>;
  beforeAll(() => {
    real = spawned("synth", "prod", "--json");
  });

  it("the readable listing shows the split, the probes and the alert queries", async () => {
    const { status, stdout } = await ionDeploy("synth", "prod");
    expect(status).toBe(0);
    expect(stdout).toMatch(
      /traffic\s+ion-api-v1-4-0-[0-9a-f]{8} 95% \[stable\] · ion-api-v1-5-0-[0-9a-f]{8} 5% \[canary\]/,
    );
    expect(stdout).toMatch(/probes\s+startup \/health:8080, liveness \/health:8080/);
    expect(stdout).toMatch(/query\s+.*request_count.* > 0\.01/);
    expect(stdout).toMatch(/sensitive\s+\[secret\]/);
  });

  it("steps [5, 3, 100] exits 1 naming rollout.steps, with nothing on stdout", async () => {
    const prod = parse(readFileSync(join(ROOT, "Pulumi.prod.yaml"), "utf8")).config["ion-deploy:rollout"];
    const file = prodVariant("rollout", { ...prod, steps: [5, 3, 100] });
    const { status, stdout, stderr } = await ionDeploy("synth", "prod", "--config", file, "--json");
    expect(status).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain("ion-deploy:rollout.steps");
    expect(stderr).toMatch(/strictly increasing/);
  });

  it("a GCP-only naming error found while rendering also exits 1 with the key", async () => {
    const file = prodVariant("releases", {
      stable: { image: "a", name: "ion-api-v1" },
      canary: { image: "b", name: "other-v2" },
    });
    const { status, stdout, stderr } = await ionDeploy("synth", "prod", "--config", file);
    expect(status).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain("ion-deploy:releases.canary.name");
  });

  it("--help explains the command with examples; usage errors exit 2", async () => {
    const help = await ionDeploy("synth", "--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: ion-deploy synth \[options\] <stage>/);
    expect(help.stdout).toMatch(/--json/);
    expect(help.stdout).toMatch(/--config <file>/);
    expect(help.stdout).toMatch(/Examples:/);
    const wrong = await ionDeploy("synth", "prod", "--no-such-flag");
    expect(wrong.status).toBe(2);
    expect(wrong.stdout).toBe("");
  });

  it("synth prod --json lists the Cloud Run service with the configured 95/5 split", async () => {
    const { status, stdout, stderr, wallMs } = await real;
    expect(status, stderr).toBe(0);
    const config = loadStageConfig("prod");
    expect(config.canaryWeight).toBe(5);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({ stage: "prod", platform: "gcp" });
    const services = json.resources.filter(
      (resource: { type: string }) => resource.type === "gcp:cloudrunv2/service:Service",
    );
    expect(services).toHaveLength(1);
    const split = Object.fromEntries(
      services[0].inputs.traffics.map((entry: { tag: string; percent: number }) => [
        entry.tag,
        entry.percent,
      ]),
    );
    expect(split).toEqual({ stable: 95, canary: 5 });
    expect(json.outputs.weights).toEqual({ stable: 95, canary: 5 });
    // Timing goes to stderr only, so stdout stays valid JSON.
    expect(stderr).toMatch(/rendered prod \(gcp\) in \d+ ms/);
    console.info(`synth prod --json wall time: ${Math.round(wallMs)} ms`);
  });

  it("never prints a secret value", async () => {
    const { status, stdout } = await real;
    expect(status).toBe(0);
    const slack = JSON.parse(stdout).resources.find(
      (resource: { type: string; inputs: { type?: string } }) =>
        resource.type === "gcp:monitoring/notificationChannel:NotificationChannel" &&
        resource.inputs.type === "slack",
    );
    expect(slack.inputs.sensitiveLabels).toBe("[secret]");
    expect(stdout).not.toContain("xoxb-");
  });
});
