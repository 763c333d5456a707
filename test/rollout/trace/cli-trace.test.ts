import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type TraceOptions, traceCommand } from "../../../src/rollout/commands/trace";
import type { LocalHttp } from "../edges/local-http";
import { localStoreStageFile, prod } from "../fixtures";
import { fakePrometheus } from "./fake-prometheus";

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const servers: LocalHttp[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function streams() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

const base: Omit<TraceOptions, "metricsUrl"> = {
  config: localStoreStageFile("prod"),
  canary: "ion-api-v1-6-0",
  stable: "ion-api-v1-5-0",
  from: "2026-11-23T11:00:00Z",
  to: "2026-11-23T11:05:00Z",
};

const cfg = prod();
/** The stage with the revisions the command is given: the queries the fake server recognises. */
const renamed = {
  ...cfg,
  releases: {
    stable: { ...cfg.releases.stable, name: "ion-api-v1-5-0", revision: "ion-api-v1-5-0" },
    canary: { ...cfg.releases.canary, name: "ion-api-v1-6-0", revision: "ion-api-v1-6-0" },
  },
};

describe("ion-rollout trace (command, against a local Prometheus API)", () => {
  it("writes a trace backtest reads, with the --canary/--stable revisions in the runner's queries", async () => {
    const server = await fakePrometheus(renamed, 60, (side, signal, t) =>
      signal === "requests" && side === "canary" && t === Date.UTC(2026, 10, 23, 11, 3) ? undefined : "3",
    );
    servers.push(server);
    const file = join(mkdtempSync(join(tmpdir(), "ion-cli-trace-")), "t.json");
    const { io, err } = streams();
    const code = await traceCommand("prod", { ...base, metricsUrl: server.url, output: file }, io, {
      now: () => NOW,
    });
    expect(code).toBe(0);
    expect(err.join("")).toContain("5 checks every 60 s, 1 without canary data");
    const trace = JSON.parse(readFileSync(file, "utf8"));
    expect(trace).toMatchObject({
      startedAt: 0,
      source: {
        kind: "prometheus",
        stage: "prod",
        canary: "ion-api-v1-6-0",
        from: "2026-11-23T11:00:00.000Z",
        stepSeconds: 60,
      },
    });
    expect(trace.checks.map((c: { at: number }) => c.at)).toEqual([60, 120, 180, 240, 300]);
    expect(trace.checks[2].canary).toMatchObject({ requests: null, errors: null });
  });

  it("fails with the flag and the fix: bad time, --to before --from, unreachable source, no data", async () => {
    const run = async (options: Partial<TraceOptions>) => {
      const { io, err } = streams();
      const code = await traceCommand("prod", { ...base, ...options }, io, { now: () => NOW });
      return { code, err: err.join("") };
    };
    expect(await run({ from: "last tuesday" })).toMatchObject({
      code: 1,
      err: expect.stringContaining('--from "last tuesday": not a time'),
    });
    expect(await run({ to: "2026-11-23T10:00:00Z" })).toMatchObject({
      code: 1,
      err: expect.stringMatching(/--to .* is not after --from/),
    });
    const closed = await fakePrometheus(prod(), 60, () => undefined);
    await closed.close();
    const down = await run({ metricsUrl: closed.url });
    expect(down.code).toBe(1);
    expect(down.err).toMatch(
      /cannot record the trace: canary \w+: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query_range unreachable: fetch failed \(ECONNREFUSED\)/,
    );
    expect(down.err).toContain("check --metrics-url");
    const server = await fakePrometheus(renamed, 60, () => undefined);
    servers.push(server);
    expect(await run({ metricsUrl: server.url })).toMatchObject({
      code: 1,
      err: expect.stringContaining("no data for --canary ion-api-v1-6-0"),
    });
  });
});
