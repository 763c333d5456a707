import { mkdtempSync, symlinkSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStageConfig, type StageConfig } from "../../../src/config";
import { trafficIdentity } from "../../../src/rollout/edges/traffic-identity";

const rehearsal = loadStageConfig("rehearsal");
const dir = mkdtempSync(join(tmpdir(), "ion-identity-"));
const socketPath = join(dir, "haproxy.sock");
let server: Server;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  symlinkSync(socketPath, join(dir, "link.sock"));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function withSocket(haproxySocket: string, backend = "app"): StageConfig {
  return {
    ...rehearsal,
    local: { ...(rehearsal.local as NonNullable<StageConfig["local"]>), haproxySocket, backend },
  };
}

describe("the traffic target's identity", () => {
  it("is the same HAProxy socket however it is reached: absolute, symlink, relative to another project dir", () => {
    const direct = trafficIdentity(withSocket(socketPath), "/");
    const otherProject = mkdtempSync(join(tmpdir(), "ion-project-"));
    expect(trafficIdentity(withSocket(join(dir, "link.sock")), "/").key).toBe(direct.key);
    expect(trafficIdentity(withSocket(relative(otherProject, socketPath)), otherProject).key).toBe(
      direct.key,
    );
    expect(direct.description).toContain("haproxy.sock backend app");
  });

  it("tells two backends behind one socket apart", () => {
    expect(trafficIdentity(withSocket(socketPath, "api"), "/").key).not.toBe(
      trafficIdentity(withSocket(socketPath), "/").key,
    );
  });

  it("is host-local only for a socket that exists here", () => {
    expect(trafficIdentity(withSocket(socketPath), "/").hostLocal).toBe(true);
    expect(trafficIdentity(withSocket(join(dir, "absent.sock")), "/").hostLocal).toBeUndefined();
  });

  it("is the Cloud Run service for a GCP stage whatever the stage is called", () => {
    const prod = loadStageConfig("prod");
    expect(trafficIdentity({ ...prod, stage: "prod-copy" }, "/a").key).toBe(trafficIdentity(prod, "/b").key);
  });
});
