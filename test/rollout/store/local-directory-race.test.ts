import { type ChildProcessByStdio, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { buildSync } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalDirectoryStore } from "../../../src/rollout/store/backends/local-directory";
import { tempDir } from "../fakes";

/**
 * Compare-and-swap in a local directory holds across processes: racers in separate node processes,
 * each sent the go at once, make the same conditional write; exactly one wins each race.
 */

const RACERS = 20;
type Racer = ChildProcessByStdio<Writable, Readable, null>;

function nextLine(racer: Racer): Promise<string> {
  return new Promise((resolve) => {
    let buffered = "";
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const end = buffered.indexOf("\n");
      if (end < 0) return;
      racer.stdout.off("data", onData);
      resolve(buffered.slice(0, end));
    };
    racer.stdout.on("data", onData);
  });
}

describe(`${RACERS} processes racing one conditional write in a local directory`, () => {
  const dir = tempDir();
  const racers: Racer[] = [];
  const store = new LocalDirectoryStore(join(dir, "store"));

  beforeAll(async () => {
    const bundle = join(dir, "racer.cjs");
    buildSync({
      entryPoints: [join(__dirname, "cas-race-worker.ts")],
      bundle: true,
      platform: "node",
      format: "cjs",
      outfile: bundle,
      logLevel: "error",
    });
    for (let i = 0; i < RACERS; i++)
      racers.push(
        spawn(process.execPath, [bundle, join(dir, "store")], { stdio: ["pipe", "pipe", "inherit"] }),
      );
    expect(await Promise.all(racers.map(nextLine))).toEqual(racers.map(() => "ready"));
  });
  afterAll(() => {
    for (const racer of racers) racer.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  const race = async (order: { key: string; ifVersion?: string }): Promise<string[]> => {
    const replies = racers.map(nextLine);
    for (const racer of racers) racer.stdin.write(`${JSON.stringify(order)}\n`);
    return Promise.all(replies);
  };

  const expectOneWinner = async (key: string, replies: string[]) => {
    const winners = replies.filter((reply) => reply.startsWith("won "));
    expect(winners.length, replies.join(", ")).toBe(1);
    expect(replies.filter((reply) => reply === "PreconditionFailedError").length).toBe(RACERS - 1);
    expect((await store.read(key))?.text).toBe(`racer ${winners[0]?.slice(4)}`);
  };

  it("creating an absent key: one creates it, the rest are refused", async () => {
    await expectOneWinner("lease/create", await race({ key: "lease/create" }));
  });

  it("replacing the version all of them read: one replaces it, the rest are refused", async () => {
    const read = await store.write("lease/replace", "expired holder", { ifAbsent: true });
    await expectOneWinner("lease/replace", await race({ key: "lease/replace", ifVersion: read }));
  });
});
