import { afterEach, describe, expect, it } from "vitest";
import { freshState } from "../../../src/rollout/controller/prepare";
import { actionRecord, type DecisionRecord } from "../../../src/rollout/core/record";
import type { ObjectStore } from "../../../src/rollout/store/object-store";
import type { OperatorRequest } from "../../../src/rollout/store/requests";
import { RolloutRecords, UnreadableStateError } from "../../../src/rollout/store/rollout-records";
import { prod } from "../fixtures";
import type { StoreFactory, StoreUnderTest } from "./object-store-contract";

/**
 * What the runner and every command rely on from a rollout's records, on each store they can live
 * in (local directory, GCS, S3): two machines that open the same store see one rollout.
 */

const T0 = 1_800_000_000_000;
const releases = prod().releases;

function record(seq: number, reason = `check ${seq}`): DecisionRecord {
  return actionRecord({
    seq,
    at: seq * 30,
    startedAtMs: T0,
    step: 1,
    steps: 5,
    weight: 5,
    action: "hold",
    reason,
    nextWeight: 5,
  });
}

function request(action: OperatorRequest["action"], by: string, rolloutId: string): OperatorRequest {
  return { action, at: T0, by, rolloutId };
}

export function rolloutRecordsContract(name: string, factory: StoreFactory): void {
  describe(`${name}: the rollout records`, () => {
    const open: StoreUnderTest[] = [];
    const fresh = async (): Promise<ObjectStore> => {
      const made = await factory(() => T0);
      open.push(made);
      return made.store;
    };
    afterEach(async () => {
      for (const made of open.splice(0)) await made.close?.();
    });

    it("a state written by one machine is read whole by another; a stage has none until written", async () => {
      const store = await fresh();
      const runner = new RolloutRecords(store, "prod");
      const operator = new RolloutRecords(store, "prod");
      expect(await operator.readState()).toBeUndefined();
      const state = freshState("prod", releases, T0, 0);
      await runner.writeState(state);
      await runner.writeState({ ...state, weight: 25 });
      expect(await operator.readState()).toEqual({ ...state, weight: 25 });
      expect(await new RolloutRecords(store, "staging").readState()).toBeUndefined();
    });

    it("a journal keeps its records in order over many appends, one journal per rollout", async () => {
      const store = await fresh();
      const runner = new RolloutRecords(store, "prod");
      for (let seq = 1; seq <= 25; seq++)
        await runner.appendRecord("2026-12-07T04:00:00.000Z-v2", record(seq));
      await runner.appendRecord("2026-12-07T05:00:00.000Z-v3", record(1, "the next rollout"));
      const reader = new RolloutRecords(store, "prod");
      const seqs = (await reader.readJournal("2026-12-07T04:00:00.000Z-v2")).map((r) => r.seq);
      expect(seqs).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      const archived = await reader.readArchivedJournals("2026-12-07T05:00:00.000Z-v3");
      expect(archived.map((j) => [j.id, j.records.length])).toEqual([["2026-12-07T04-00-00.000Z-v2", 25]]);
      expect((await reader.readJournal("2026-12-07T05:00:00.000Z-v3")).map((r) => r.reason)).toEqual([
        "the next rollout",
      ]);
    });

    it("an append another writer raced is written on top of what it wrote, never over it", async () => {
      const store = await fresh();
      const first = new RolloutRecords(store, "prod");
      const second = new RolloutRecords(store, "prod");
      await first.appendRecord("r", record(1));
      await second.appendRecord("r", record(2));
      // `first` still knows the version before `second` wrote: its CAS is refused, it reads again.
      await first.appendRecord("r", record(3));
      expect((await second.readJournal("r")).map((r) => r.seq)).toEqual([1, 2, 3]);
    });

    it("of two operators racing to leave a request, exactly one is left; the other is told which", async () => {
      const store = await fresh();
      const alice = new RolloutRecords(store, "prod");
      const bob = new RolloutRecords(store, "prod");
      const [a, b] = await Promise.all([
        alice.writeRequest(request("pause", "alice", "r1")),
        bob.writeRequest(request("promote", "bob", "r1")),
      ]);
      const outcomes = [a, b].map((left) => ("sent" in left ? "sent" : "pending"));
      expect(outcomes.sort()).toEqual(["pending", "sent"]);
      const runner = new RolloutRecords(store, "prod");
      const taken = await runner.takeRequest("r1");
      const winner = "sent" in a ? "alice" : "bob";
      expect(taken && "request" in taken ? taken.request.by : taken).toBe(winner);
      expect(await runner.takeRequest("r1")).toBeUndefined();
    });

    it("an abort replaces a pending promote of the same rollout; a second abort waits for the first", async () => {
      const store = await fresh();
      const records = new RolloutRecords(store, "prod");
      await records.writeRequest(request("promote", "bob", "r1"));
      expect("sent" in (await records.writeRequest(request("abort", "alice", "r1")))).toBe(true);
      expect(await records.writeRequest(request("abort", "carol", "r1"))).toEqual({
        pending: "an abort request by alice for rollout r1",
      });
      const taken = await records.takeRequest("r1");
      expect(taken && "request" in taken && `${taken.request.action} by ${taken.request.by}`).toBe(
        "abort by alice",
      );
    });

    it("a request for another rollout is discarded, never taken; an unreadable one too", async () => {
      const store = await fresh();
      const records = new RolloutRecords(store, "prod");
      await records.writeRequest(request("abort", "alice", "an-ended-rollout"));
      const taken = await records.takeRequest("r2");
      expect(taken).toEqual({ discarded: expect.stringContaining("rollout an-ended-rollout") });
      expect(await records.takeRequest("r2")).toBeUndefined();
      await store.write(records.requestKey, '{"action":"ab', { ifAbsent: true });
      expect(await records.takeRequest("r2")).toEqual({ discarded: expect.stringContaining("unreadable") });
    });

    it("a stale request is replaced by a new one; `only` leaves another action in place", async () => {
      const store = await fresh();
      const records = new RolloutRecords(store, "prod");
      await records.writeRequest(request("pause", "carol", "an-ended-rollout"));
      expect("sent" in (await records.writeRequest(request("promote", "dave", "r3")))).toBe(true);
      expect(await records.takeRequest("r3", "abort")).toBeUndefined();
      const taken = await records.takeRequest("r3");
      expect(taken && "request" in taken && taken.request.by).toBe("dave");
    });

    it("a withdrawn request is gone; a withdraw after the runner took it removes nothing newer", async () => {
      const store = await fresh();
      const operator = new RolloutRecords(store, "prod");
      const left = await operator.writeRequest(request("abort", "alice", "r4"));
      if (!("sent" in left)) throw new Error("not sent");
      await operator.withdrawRequest(left.sent);
      expect(await store.read(operator.requestKey)).toBeUndefined();
      const again = await operator.writeRequest(request("abort", "alice", "r4"));
      if (!("sent" in again)) throw new Error("not sent");
      await new RolloutRecords(store, "prod").takeRequest("r4");
      const next = await new RolloutRecords(store, "prod").writeRequest(request("pause", "bob", "r4"));
      await operator.withdrawRequest(again.sent);
      expect("sent" in next && (await store.read(operator.requestKey))?.text).toContain('"by":"bob"');
    });

    it("an unreadable state names where it is; set aside, it is kept under another key and the stage is free", async () => {
      const store = await fresh();
      const records = new RolloutRecords(store, "prod");
      await store.write(records.stateKey, '{"version":1,"stage":"prod","status":"runn', { ifAbsent: true });
      const error = await records.readState().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnreadableStateError);
      expect((error as Error).message).toContain(
        `${store.description.replace(/\/+$/, "")}/stages/prod/state.json`,
      );
      const text = await records.readStateText();
      expect(text).toBe('{"version":1,"stage":"prod","status":"runn');
      const aside = await records.keepAside(text ?? "", T0 + 5);
      expect(aside).toMatch(/stages\/prod\/state\.json\.unreadable-1800000000005$/);
      expect((await store.read("stages/prod/state.json.unreadable-1800000000005"))?.text).toContain('"runn');
      // The next state written replaces the unreadable one.
      await records.writeState(freshState("prod", releases, T0, 0));
      expect((await records.readState())?.status).toBe("running");
    });
  });
}
