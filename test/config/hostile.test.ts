import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { synth } from "../../src/cli/ion-deploy";
import { ConfigError, loadStageConfig, parseStageConfig, readStageFile } from "../../src/config";
import { startCommand } from "../../src/rollout/commands/drive";
import { tempDir } from "../rollout/fakes";

/**
 * Findings 5, 7 and 9 (config): hostile or careless config never reaches the traffic layer, the
 * file system or PromQL, and a misspelt namespace is never silently ignored.
 */

const rehearsal = readStageFile("rehearsal").raw;

function issueFor(stage: string, raw: Record<string, unknown>): string {
  try {
    parseStageConfig(stage, raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
}

function local(fields: Record<string, unknown>) {
  return { ...rehearsal, local: { ...(rehearsal.local as object), ...fields } };
}

function writeStage(text: string, name = "Pulumi.x.yaml"): string {
  const file = join(tempDir(), name);
  writeFileSync(file, text);
  return file;
}

describe("names that reach HAProxy's runtime API, paths and URLs match strict patterns", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      "canary server with a command",
      local({ canaryServer: "canary;disable server app/stable" }),
      /local\.canaryServer: .*runtime API/,
    ],
    [
      "stable server with a newline",
      local({ stableServer: "stable\nset server app/canary weight 100" }),
      /local\.stableServer/,
    ],
    ["backend with a space", local({ backend: "app disable" }), /local\.backend/],
    [
      "socket path with a separator",
      local({ haproxySocket: "/tmp/x.sock;ls" }),
      /local\.haproxySocket: must be a plain path/,
    ],
    [
      "state directory with a newline",
      { ...rehearsal, rollout: { ...(rehearsal.rollout as object), stateDir: "a\nb" } },
      /rollout\.stateDir/,
    ],
    [
      "an empty image",
      { ...rehearsal, releases: { ...(rehearsal.releases as object), canary: { image: "", name: "c" } } },
      /releases\.canary\.image/,
    ],
    [
      "an image with markup",
      {
        ...rehearsal,
        releases: { ...(rehearsal.releases as object), canary: { image: "<b>x</b>", name: "c" } },
      },
      /releases\.canary\.image: must be a container image reference/,
    ],
  ];
  for (const [what, raw, says] of cases) {
    it(what, () => expect(issueFor("rehearsal", raw)).toMatch(says));
  }

  it("a stage name that would escape the state directory is refused before any file is read", () => {
    expect(() => loadStageConfig("../escaped")).toThrow(/invalid stage name "\.\.\/escaped"/);
    expect(issueFor("../escaped", rehearsal)).toMatch(/stage names are letters, digits/);
  });

  it("start --image '' is refused before anything is applied", async () => {
    let err = "";
    const io = { out: () => {}, err: (t: string) => (err += t) };
    expect(await startCommand("rehearsal", { image: "", stateDir: tempDir() }, io)).toBe(1);
    expect(err).toContain('--image "" is not a container image reference');
  });
});

describe("a misspelt namespace is an error naming the fix", () => {
  for (const key of [
    "ion-deploy-:rollout",
    "ion-depoly:rollout",
    "ion_deploy:rollout",
    "Ion-Deploy:rollout",
    "ion-deploy.rollout",
  ]) {
    it(key, () => {
      const file = writeStage(
        `config:\n  ion-deploy:platform: local\n  ${key}:\n    minRequestsPerStep: 500\n`,
      );
      expect(() => readStageFile("x", file)).toThrow(
        /misspelt namespace and would be ignored; write ion-deploy:rollout/,
      );
    });
  }
  it("other namespaces stay allowed", () => {
    const file = writeStage(
      "config:\n  gcp:project: p\n  aws:region: ap-northeast-2\n  ion-deploy:platform: local\n",
    );
    expect(readStageFile("x", file).other).toEqual({ "gcp:project": "p", "aws:region": "ap-northeast-2" });
  });
});

describe("error-rate thresholds are fractions", () => {
  for (const field of ["rollbackAbove", "goAtMost"]) {
    it(`${field}: 1 (meant as 1%) is refused`, () => {
      const thresholds = rehearsal.thresholds as Record<string, Record<string, unknown>> | undefined;
      const errorRate = { rollbackAbove: 0.01, consecutive: 3, goAtMost: 0.005, [field]: 1 };
      expect(issueFor("rehearsal", { ...rehearsal, thresholds: { ...thresholds, errorRate } })).toMatch(
        new RegExp(`thresholds\\.errorRate\\.${field}: .*fractions: 0\\.01 means 1%`),
      );
    });
  }
});

describe("--config that is not a readable file: one clear line", () => {
  it("a directory", () => {
    const dir = tempDir();
    expect(() => readStageFile("x", dir)).toThrow(
      new RegExp(`${dir} is a directory, not a stack config file`),
    );
  });
  it("a missing file", () => {
    expect(() => readStageFile("x", "/nonexistent/Pulumi.x.yaml")).toThrow(
      /no such file \/nonexistent\/Pulumi\.x\.yaml/,
    );
  });
  it("a stage with no file names the stages that have one", () => {
    const dir = tempDir();
    for (const stage of ["prod", "staging"]) writeFileSync(join(dir, `Pulumi.${stage}.yaml`), "config: {}\n");
    writeFileSync(join(dir, "Pulumi.yaml"), "name: x\n");
    expect(() => readStageFile("prdo", join(dir, "Pulumi.prdo.yaml"))).toThrow(
      /no such file .*Pulumi\.prdo\.yaml; the stages here are prod, staging; create Pulumi\.prdo\.yaml/,
    );
  });
  it("a device", () => {
    expect(() => readStageFile("x", "/dev/null")).toThrow(/\/dev\/null is not a regular file/);
  });
  it("the error never mentions EISDIR", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "sub"));
    expect(() => readStageFile("x", join(dir, "sub"))).not.toThrow(/EISDIR/);
  });
});

describe("synth of a local stage", () => {
  it("says what to run instead, exit 1, no stack trace", async () => {
    let err = "";
    const io = { out: () => {}, err: (t: string) => (err += t) };
    expect(readFileSync("Pulumi.rehearsal.yaml", "utf8")).toContain("platform: local");
    expect(await synth("rehearsal", {}, io)).toBe(1);
    expect(err).toContain("npm run rehearse");
    expect(err).toContain("ion-rollout plan rehearsal");
    expect(err).not.toMatch(/\n\s+at /);
  });
});
