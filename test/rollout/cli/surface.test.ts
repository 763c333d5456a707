import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../../src/cli/ion-rollout";
import { explainCommand } from "../../../src/rollout/commands/explain";
import { statusCommand } from "../../../src/rollout/commands/status";
import { bufferedStreams, tempDir } from "../fakes";
import { localStoreStageFile, ROOT } from "../fixtures";

const CONFIG = localStoreStageFile("prod");

describe("the CLI's surface", () => {
  it("--version prints package.json's version and exits 0", async () => {
    const b = bufferedStreams();
    const expected = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
    const thrown = await buildProgram(b.io)
      .parseAsync(["node", "ion-rollout", "--version"])
      .catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(CommanderError);
    expect((thrown as CommanderError).exitCode).toBe(0);
    expect(b.out()).toBe(`${expected}\n`);
  });

  for (const [name, command] of [
    ["status", statusCommand],
    ["explain", explainCommand],
  ] as const) {
    it(`${name} --json with no rollout prints JSON (state null) and exits 1`, async () => {
      const b = bufferedStreams();
      const dir = tempDir();
      expect(await command("prod", { config: CONFIG, stateDir: dir, json: true }, b.io)).toBe(1);
      const doc = JSON.parse(b.out());
      expect(doc).toMatchObject({ stage: "prod", state: null, records: [] });
      expect(doc.message).toContain(dir);
      expect(b.err()).toContain(dir);
    });
  }

  for (const command of ["abort", "promote", "pause"])
    for (const value of ["abc", "-5", "", "12s"])
      it(`${command} --wait-seconds ${JSON.stringify(value)}: exit 1 naming the option and the form it takes`, async () => {
        const b = bufferedStreams();
        const thrown = await buildProgram(b.io)
          .parseAsync(["node", "ion-rollout", command, "prod", "--wait-seconds", value])
          .catch((error: unknown) => error);
        expect(thrown).toBeInstanceOf(CommanderError);
        expect((thrown as CommanderError).exitCode).toBe(1);
        const first = b.err().split("\n")[0] ?? "";
        expect(first).toContain("--wait-seconds");
        expect(first).toContain(`'${value}'`);
        expect(first).toMatch(/a number of seconds, 0 or more \(e\.g\. 120\)/);
        expect(b.err()).not.toContain("NaN");
      });
});

describe("records from before they moved into the store", () => {
  it("are named on stderr by every command that loads the stage, never read", async () => {
    const { writeFileSync } = await import("node:fs");
    const dir = tempDir();
    const legacy = join(dir, "prod.json");
    writeFileSync(legacy, JSON.stringify({ stage: "prod", status: "running", weight: 25 }));
    const b = bufferedStreams();
    expect(await statusCommand("prod", { config: CONFIG, stateDir: dir }, b.io)).toBe(1);
    expect(b.err()).toContain(`warning: ${legacy} is a rollout record from before records moved`);
    expect(b.err()).toContain("ion-rollout reconcile prod");
    expect(b.err()).toContain("no rollout");
  });
});
