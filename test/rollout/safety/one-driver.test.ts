import { mkdirSync, symlinkSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStageConfig, type StageConfig } from "../../../src/config";
import { runRollout } from "../../../src/rollout/controller/runner";
import type { DeployedReleases } from "../../../src/rollout/edges/types";
import { LeaseHeldError } from "../../../src/rollout/store/lease";
import { FakeDriver, fakeRun, healthy, tempDir } from "../fakes";

/**
 * One driver per traffic target: 50 runners started at once on one HAProxy runtime socket, each
 * with its own state directory and project directory and reaching the socket by its own path (a
 * symlink, or relative to its project): exactly one drives it, the others are refused naming it.
 */

const RUNNERS = 50;
const base = loadStageConfig("rehearsal");
const root = tempDir();
const socket = join(root, "haproxy.sock");
let server: Server;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A driver whose deploy waits for `open`: the winner holds the lease while the others try. */
class GatedDriver extends FakeDriver {
  constructor(private readonly open: Promise<void>) {
    super();
  }
  override async deployCanary(releases: DeployedReleases): Promise<void> {
    await this.open;
    await super.deployCanary(releases);
  }
}

function runnerConfig(i: number): { cfg: StageConfig; projectDir: string } {
  const projectDir = join(root, `project-${i}`);
  mkdirSync(projectDir);
  const local = base.local as NonNullable<StageConfig["local"]>;
  let path = relative(projectDir, socket);
  if (i % 2 === 1) {
    path = join(projectDir, "haproxy-link.sock");
    symlinkSync(socket, path);
  }
  return { cfg: { ...base, stage: `stage-${i}`, local: { ...local, haproxySocket: path } }, projectDir };
}

describe("50 runners on one HAProxy target", () => {
  it("exactly one drives it; the others are refused with a message naming the holder", async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const hostLeaseDir = tempDir();
    const runs = Array.from({ length: RUNNERS }, (_, i) => {
      const { cfg, projectDir } = runnerConfig(i);
      const driver = new GatedDriver(gate);
      const { options } = fakeRun(cfg, { driver, projectDir }, () => healthy(1000));
      options.lease = { pid: 10_000 + i, isAlive: () => true, hostLeaseDir };
      return {
        driver,
        result: runRollout(options).then(
          (r) => ({ ok: r }),
          (error: unknown) => ({ error }),
        ),
      };
    });
    // Every runner but the winner settles (refused) while the winner waits at its deploy.
    let settled = 0;
    await new Promise<void>((resolve) => {
      for (const run of runs)
        void run.result.then(() => {
          settled++;
          if (settled === RUNNERS - 1) resolve();
        });
    });
    open();
    const results = await Promise.all(runs.map((run) => run.result));
    const drove = runs.filter((run) => run.driver.applied.length > 0);
    expect(drove).toHaveLength(1);
    const errors = results.flatMap((r) => ("error" in r ? [r.error] : []));
    expect(errors).toHaveLength(RUNNERS - 1);
    for (const error of errors) {
      expect(error).toBeInstanceOf(LeaseHeldError);
      expect((error as Error).message).toMatch(
        /another runner holds HAProxy .*haproxy\.sock backend app: pid 100\d\d on /,
      );
    }
  });
});
