import { afterEach, describe, expect, it } from "vitest";
import { freshState } from "../../../src/rollout/controller/prepare";
import { actionRecord } from "../../../src/rollout/core/record";
import { storeIo } from "../../../src/rollout/store/io";
import { appendRecord, recordsIn, writeState } from "../../support/records";
import { T0, tempDir } from "../fakes";
import { prod } from "../fixtures";

/** Every record is fsynced before its write returns, and its directory after each rename. */

const original = { ...storeIo };
afterEach(() => {
  Object.assign(storeIo, original);
});

describe("durability", () => {
  it("each decision appended to the journal is fsynced before the append returns", async () => {
    const dir = tempDir();
    const events: string[] = [];
    storeIo.write = ((fd: number, text: string) => {
      // The journal's own text (the key's mutex file is written through the seam too).
      if (text.includes('"seq"')) events.push("write");
      return original.write(fd, text);
    }) as typeof storeIo.write;
    storeIo.fsync = (fd, what) => {
      events.push(`fsync ${what}`);
      original.fsync(fd, what);
    };
    for (let seq = 1; seq <= 3; seq++) {
      const record = actionRecord({
        seq,
        at: seq,
        startedAtMs: T0,
        step: 1,
        steps: 5,
        weight: 5,
        action: "hold",
        reason: "r",
        nextWeight: 5,
      });
      await appendRecord(dir, "prod", "r1", record);
      events.push("returned");
    }
    const oneAppend = ["write", "fsync file", "fsync directory", "returned"];
    expect(events).toEqual([...oneAppend, ...oneAppend, ...oneAppend]);
    expect((await recordsIn(dir, "prod").readJournal("r1")).map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  it("a state write fsyncs the file, then the directory after the rename", async () => {
    const dir = tempDir();
    const synced: string[] = [];
    storeIo.fsync = (fd, what) => {
      synced.push(what);
      original.fsync(fd, what);
    };
    await writeState(dir, freshState("prod", prod().releases, T0, 0));
    expect(synced).toEqual(["file", "directory"]);
  });
});
