import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../../src/cli/ion-rollout";
import { abortCommand } from "../../../src/rollout/commands/operator";
import { freshState } from "../../../src/rollout/controller/prepare";
import { initialAnalysisState } from "../../../src/rollout/core/analysis/check";
import { storeIo } from "../../../src/rollout/store/io";
import {
  fileOf,
  journalKey,
  readJournal,
  readRaw,
  readState,
  stateKey,
  writeRaw,
} from "../../support/records";
import { bufferedStreams, FakeDriver, operatorEdges, tempDir } from "../fakes";
import { localStoreStageFile, prod } from "../fixtures";

/** A corrupt, truncated or foreign state file never blocks `abort`. */

const CONFIG = localStoreStageFile("prod");

/** A whole state at 50% whose stored error-rate evidence counts more errors than requests. */
function impossibleEvidence(): string {
  const state = freshState("prod", prod().releases, 0, 50);
  const counts = { requests: 1, errors: 2, segmentRequests: 0, segmentErrors: 0 };
  const empty = { requests: 0, errors: 0, segmentRequests: 0, segmentErrors: 0 };
  const evidence = { errorRate: counts, slow: empty, relative: null, ledger: null };
  return JSON.stringify({
    ...state,
    core: { ...state.core, analysis: { ...initialAnalysisState(), evidence } },
  });
}

const BROKEN: Record<string, string> = {
  empty: "",
  truncated: '{"version":1,"stage":"prod","status":"running","weight":50,"core":{"seq":3',
  "half a document": JSON.stringify({ version: 1, stage: "prod", status: "running", weight: 50 }),
  "another version": JSON.stringify({ version: 2, stage: "prod", status: "running", weight: 50 }),
  "impossible evidence": impossibleEvidence(),
};

describe("abort with an unreadable state file", () => {
  for (const [what, content] of Object.entries(BROKEN)) {
    it(`${what} state: reverts through the driver, records a fresh state and says what it found`, async () => {
      const dir = tempDir();
      await writeRaw(dir, stateKey("prod"), content);
      const driver = new FakeDriver();
      driver.weight = 50;
      const b = bufferedStreams();
      const code = await abortCommand("prod", { config: CONFIG, stateDir: dir }, b.io, operatorEdges(driver));
      expect(code).toBe(0);
      expect(driver.weights()).toEqual([0]);
      expect(b.text.err).toMatch(/found an unreadable rollout state \(.+\); moved it to .*unreadable/);
      const state = await readState(dir, "prod");
      expect(state).toMatchObject({ status: "reverted", weight: 0 });
      expect((await readJournal(dir, "prod")).map((r) => [r.action, r.weight])).toEqual([["revert", 50]]);
      const aside = readdirSync(join(dir, "stages", "prod")).filter((f) =>
        f.startsWith("state.json.unreadable-"),
      );
      expect(aside).toHaveLength(1);
      expect(await readRaw(dir, `stages/prod/${aside[0]}`)).toBe(content);
    });
  }
});

describe("abort with an unreadable state: act first, record after", () => {
  it("applies the revert before it writes any record, the unreadable state's copy included", async () => {
    const dir = tempDir();
    await writeRaw(dir, stateKey("prod"), BROKEN.truncated ?? "");
    const driver = new FakeDriver();
    driver.weight = 50;
    const servedAtFirstRecordWrite: number[][] = [];
    // A record lands when its temp file is renamed over the key (mutex files are not records).
    const rename = storeIo.rename;
    storeIo.rename = (from, to) => {
      const record = String(to).includes(join("stages", "prod")) && !String(to).endsWith(".mutex");
      if (record && servedAtFirstRecordWrite.length === 0) servedAtFirstRecordWrite.push(driver.weights());
      rename(from, to);
    };
    try {
      const b = bufferedStreams();
      expect(await abortCommand("prod", { config: CONFIG, stateDir: dir }, b.io, operatorEdges(driver))).toBe(
        0,
      );
    } finally {
      storeIo.rename = rename;
    }
    expect(servedAtFirstRecordWrite).toEqual([[0]]);
  });
});

describe("other commands with an unreadable state file", () => {
  for (const command of ["status", "resume", "explain", "retire"]) {
    it(`${command}: one line naming the file and the fix, exit 1`, async () => {
      const dir = tempDir();
      await writeRaw(dir, stateKey("prod"), "");
      await writeRaw(dir, journalKey("prod", "2026-01-01T00:00:00.000Z-v2"), '{"seq":1}\n');
      const b = bufferedStreams();
      process.exitCode = undefined;
      await buildProgram(b.io).parseAsync(
        ["node", "ion-rollout", command, "prod", "--config", CONFIG, "--state-dir", dir],
        { from: "node" },
      );
      expect(process.exitCode).toBe(1);
      process.exitCode = undefined;
      expect(b.text.err.trim().split("\n")).toHaveLength(1);
      expect(b.text.err).toContain(fileOf(dir, stateKey("prod")));
      expect(b.text.err).toContain("ion-rollout abort");
      expect(b.text.err).not.toMatch(/at .*\.ts:\d+/);
      expect(await readRaw(dir, stateKey("prod"))).toBe("");
    });
  }
});
