import { afterEach, describe, expect, it } from "vitest";
import { freshState } from "../../../src/rollout/controller/prepare";
import { actionRecord } from "../../../src/rollout/core/record";
import { appendRecord, journalIo, readJournal } from "../../../src/rollout/store/journal";
import { stateIo, writeState } from "../../../src/rollout/store/state";
import { T0, tempDir } from "../fakes";
import { prod } from "../fixtures";

/** Every journal append is fsynced, and the state directory after each rename. */

const original = { journal: { ...journalIo }, state: { ...stateIo } };
afterEach(() => {
  Object.assign(journalIo, original.journal);
  Object.assign(stateIo, original.state);
});

describe("durability", () => {
  it("each decision appended to the journal is fsynced before the append returns", () => {
    const dir = tempDir();
    const events: string[] = [];
    journalIo.write = ((fd: number, text: string) => {
      events.push("write");
      return original.journal.write(fd, text);
    }) as typeof journalIo.write;
    journalIo.fsync = (fd: number) => {
      events.push("fsync");
      original.journal.fsync(fd);
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
    expect(events).toEqual(["write", "fsync", "write", "fsync", "write", "fsync"]);
    expect(readJournal(dir, "prod").map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  it("a state write fsyncs the file, then the directory after the rename", () => {
    const dir = tempDir();
    const synced: string[] = [];
    stateIo.fsync = (fd, what) => {
      synced.push(what);
      original.state.fsync(fd, what);
    };
    writeState(dir, freshState("prod", prod().releases, T0, 0));
    expect(synced).toEqual(["file", "directory"]);
  });
});
