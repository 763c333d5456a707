import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadStageConfig } from "../../../src/config";
import { trafficLeaseSite } from "../../../src/rollout/controller/traffic-lease";
import { LocalDirectoryStore } from "../../../src/rollout/store/backends/local-directory";
import { leaseKey } from "../../../src/rollout/store/lease";
import { tempDir } from "../fakes";
import { cli, type LocalFake, localConfig, localFake, startArgs } from "./local-fakes";

/**
 * A rollout across two CI jobs, through the real CLI on a fake HAProxy socket and a fake
 * Prometheus: job 1 starts it and is stopped at its deadline (SIGINT, as timeout(1) in
 * scripts/ci-rollout.sh sends) under `--on-interrupt handover`; job 2 resumes it from a fresh
 * working directory holding only a copy of the stage file (the state directory is the same
 * absolute path, as the store is the same bucket in CI). The test reads what the CLI says
 * (events, `status --json`, `explain --json`, `reconcile`), never the state files.
 */

const fakes: LocalFake[] = [];
afterAll(async () => {
  for (const fake of fakes) await fake.close();
});

/** A fresh working directory with a copy of the stage file (its paths are absolute). */
function freshCheckout(file: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, "Pulumi.e2e.yaml"), readFileSync(file, "utf8"));
  return dir;
}

type Event = { type: string; outcome?: string; message?: string; state?: { id: string } };
const eventsOf = (stdout: string): Event[] =>
  stdout
    .trim()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Event);

/** Job 1: started, judged once at 5%, then stopped at its "deadline": held and handed over. */
async function firstJob() {
  const fake = await localFake();
  fakes.push(fake);
  // The runbook rule judges the fake's per-check rates (its counters do not grow).
  const file = localConfig(fake, { analysis: "consecutive" });
  const job = cli(startArgs(file, "--on-interrupt", "handover"));
  await job.line(/"type":"check"/);
  job.child.kill("SIGINT");
  expect((await job.exit).code).toBe(3);
  const events = eventsOf(job.stdout());
  const end = events.find((e) => e.type === "end");
  expect(end).toMatchObject({ outcome: "held" });
  expect(events).toContainEqual(
    expect.objectContaining({
      type: "warning",
      message: expect.stringMatching(/^handed over the lease on /),
    }),
  );
  return { fake, file, job, id: end?.state?.id ?? "", events };
}

async function ran(args: string[], cwd: string) {
  const run = cli(args, cwd);
  const { code } = await run.exit;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

const canaryZero = (fake: LocalFake) =>
  fake.setCommands.filter((c) => c === "set server app/canary weight 0");

describe.concurrent("a rollout handed over from one CI job to the next", () => {
  it("continues in a fresh working directory and ends reverted exactly once; reconcile and start between the jobs leave it alone", async () => {
    const { fake, file, id, events: first } = await firstJob();
    const between = freshCheckout(file);
    const reconcile = await ran(["reconcile", "e2e"], between);
    expect(reconcile.code).toBe(0);
    expect(reconcile.stdout).toMatch(
      new RegExp(
        `^e2e: left alone, rollout ${id} was handed over at a CI job's deadline .*its handover lapses in \\d+ s`,
      ),
    );
    const status = await ran(["status", "e2e", "--json"], between);
    expect(JSON.parse(status.stdout)).toMatchObject({
      state: { id, status: "held", heldBy: "interrupt", weight: 5 },
      runner: null,
      handover: { rolloutId: id },
    });
    const start = await ran(["start", "e2e", "--image", "local/ion-api:3.0.0", "--json"], between);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(`rollout ${id} on HAProxy`);
    expect(fake.weights["app/canary"]).toBe(5);
    // The canary turns bad while nobody judges it: job 2's first check must see it.
    fake.canaryErrorRate = 0.5;
    const job2Dir = freshCheckout(file);
    const job2 = await ran(["resume", "e2e", "--json"], job2Dir);
    expect(job2.code).toBe(2);
    const second = eventsOf(job2.stdout);
    expect(second).toContainEqual(
      expect.objectContaining({
        type: "warning",
        message: expect.stringMatching(new RegExp(`^took over the handover of rollout ${id} from pid `)),
      }),
    );
    const ends = [...first, ...second].filter((e) => e.type === "end");
    expect(ends.map((e) => [e.outcome, e.state?.id])).toEqual([
      ["held", id],
      ["reverted", id],
    ]);
    const explained = await ran(["explain", "e2e", "--json"], job2Dir);
    const records = (JSON.parse(explained.stdout) as { records: { action: string }[] }).records;
    expect(records.filter((r) => r.action === "revert" || r.action === "promote")).toHaveLength(1);
    expect(canaryZero(fake)).toHaveLength(1);
    expect(fake.weights).toEqual({ "app/canary": 0, "app/stable": 100 });
  });

  it("reconcile reverts it once the handover window lapsed with no job resuming it", async () => {
    const { fake, file, id } = await firstJob();
    // The store's clock moves past the window: the lease rewritten as if written 901 s ago.
    const cfg = loadStageConfig("e2e", file);
    const { store, target } = trafficLeaseSite({ cfg, projectDir: fake.dir, stateDir: fake.stateDir });
    const found = await store.read(leaseKey(target));
    const past = new LocalDirectoryStore(store.description, { now: () => Date.now() - 901_000 });
    await past.write(leaseKey(target), found?.text ?? "", { ifVersion: found?.version ?? "" });
    const checkout = freshCheckout(file);
    const reconcile = await ran(["reconcile", "e2e"], checkout);
    expect(reconcile.code).toBe(2);
    expect(reconcile.stderr).toMatch(
      new RegExp(
        `e2e: reverted: reconcile: the handover of rollout ${id} lapsed \\d+ s ago with no job resuming it`,
      ),
    );
    expect(canaryZero(fake)).toHaveLength(1);
    const status = await ran(["status", "e2e", "--json"], checkout);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: { id, status: "reverted", weight: 0 } });
  });
});
