import { afterEach, describe, expect, it } from "vitest";
import { freshState } from "../../../src/rollout/controller/prepare";
import { actionRecord } from "../../../src/rollout/core/record";
import { storeIo } from "../../../src/rollout/store/io";
import { appendRecord, readJournal } from "../../../src/rollout/store/journal";
import { writeState } from "../../../src/rollout/store/state";
import { T0, tempDir } from "../fakes";
import { prod } from "../fixtures";

/** Every journal append is fsynced, and the state directory after each rename. */

const original = { ...storeIo };
afterEach(() => {
  Object.assign(storeIo, original);
});

describe("durability", () => {
  it("each decision appended to the journal is fsynced before the append returns", () => {
    const dir = tempDir();
    const events: string[] = [];
    storeIo.write = ((fd: number, text: string) => {
      events.push("write");
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
      appendRecord(dir, "prod", record);
    }
    expect(events).toEqual(["write", "fsync journal", "write", "fsync journal", "write", "fsync journal"]);
    expect(readJournal(dir, "prod").map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  it("a state write fsyncs the file, then the directory after the rename", () => {
    const dir = tempDir();
    const synced: string[] = [];
    storeIo.fsync = (fd, what) => {
      synced.push(what);
      original.fsync(fd, what);
    };
    writeState(dir, freshState("prod", prod().releases, T0, 0));
    expect(synced).toEqual(["file", "directory"]);
  });
});
