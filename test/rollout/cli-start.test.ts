import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startCommand } from "../../src/rollout/commands/drive";
import { FakeTime, tempDir } from "./fakes";
import { ROOT } from "./fixtures";

/**
 * `ion-rollout start` end to end through the CLI, the local edges (HAProxy driver, Prometheus
 * source) and the runner, against a fake HAProxy runtime socket and a fake Prometheus HTTP API.
 * (The rehearsal does the same against the real ones.)
 */

interface Fake {
  dir: string;
  weights: Record<string, number>;
  setCommands: string[];
  /** Canary 5xx share the fake Prometheus reports. */
  canaryErrorRate: number;
  close: () => Promise<void>;
  prometheusUrl: string;
  socket: string;
}

async function fakeStack(canaryErrorRate: number): Promise<Fake> {
  const dir = tempDir();
  const socket = join(dir, "haproxy.sock");
  const weights: Record<string, number> = { "app/canary": 0, "app/stable": 100 };
  const fake: Fake = {
    dir,
    weights,
    setCommands: [],
    canaryErrorRate,
    close: async () => {},
    prometheusUrl: "",
    socket,
  };
  const haproxy = createNetServer((conn) => {
    conn.setEncoding("utf8");
    conn.on("data", (line: string) => {
      let answer = "";
      for (const command of line.trim().split(";")) {
        const get = /^get weight (\S+)$/.exec(command);
        const set = /^set server (\S+) weight (\d+)$/.exec(command);
        if (get?.[1]) answer += `${fake.weights[get[1]] ?? 0} (initial 0)\n\n`;
        else if (set?.[1]) {
          fake.weights[set[1]] = Number(set[2]);
          fake.setCommands.push(command);
          answer += "\n";
        } else answer += "Unknown command.\n\n";
      }
      conn.end(answer);
    });
  });
  await new Promise<void>((r) => haproxy.listen(socket, r));
  const prometheus: Server = createHttpServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const query =
      new URLSearchParams(body).get("query") ??
      new URL(req.url ?? "/", "http://x").searchParams.get("query") ??
      "";
    const canary = query.includes('revision_name="ion-api-v2-0-0"');
    const share = (canary ? fake.weights["app/canary"] : fake.weights["app/stable"]) ?? 0;
    const requests = 20 * share;
    let value: number;
    if (query.startsWith("time()")) value = 1;
    else if (query.includes("latencies")) value = 80;
    else if (query.includes("memory") || query.includes("cpu")) value = 0.3;
    else if (query.includes('response_code_class="5xx"'))
      value = canary ? Math.round(requests * fake.canaryErrorRate) : 0;
    else value = requests;
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({
        status: "success",
        data: { resultType: "vector", result: [{ metric: {}, value: [Date.now() / 1000, String(value)] }] },
      }),
    );
  });
  await new Promise<void>((r) => prometheus.listen(0, "127.0.0.1", r));
  fake.prometheusUrl = `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`;
  fake.socket = socket;
  fake.close = async () => {
    await new Promise((r) => haproxy.close(r));
    await new Promise((r) => prometheus.close(r));
  };
  return fake;
}

function config(fake: Fake): string {
  const file = join(fake.dir, "Pulumi.e2e.yaml");
  writeFileSync(
    file,
    `config:
  ion-deploy:profile: prod
  ion-deploy:platform: local
  ion-deploy:service:
    name: ion-api
  ion-deploy:local:
    haproxySocket: ${fake.socket}
    prometheusUrl: ${fake.prometheusUrl}
  ion-deploy:releases:
    stable: { image: "local/ion-api:1.9.0", name: ion-api-v1-9-0 }
    canary: { image: "local/ion-api:1.9.0", name: ion-api-v1-9-0 }
  ion-deploy:rollout:
    steps: [5, 50, 100]
    bakeSeconds: 0
    checkIntervalSeconds: 1
    analysis: consecutive
    stateDir: ${join(fake.dir, "state")}
    # The fake HAProxy answers weights only; the gate is tested in test/rollout/edges/probes and the rehearsal.
    preTraffic: { enabled: false }
`,
  );
  return file;
}

function start(
  file: string,
  summary: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, "bin", "ion-rollout.cjs"),
        "start",
        "e2e",
        "--config",
        file,
        "--image",
        "local/ion-api:2.0.0",
        "--json",
      ],
      { cwd: ROOT, env: { ...process.env, GITHUB_STEP_SUMMARY: summary } },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

// The in-process run loads the edges as the CLI does, through vitest (the CLI's lazy require of
// from-config.ts needs bin/ion-rollout.cjs's tsx hook).
vi.mock("../../src/rollout/edges/load", async () => {
  const fromConfig = await import("../../src/rollout/edges/from-config");
  return { loadEdges: () => fromConfig };
});

function events(stdout: string) {
  return stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

describe("ion-rollout start (local edges against fakes)", () => {
  const fakes: Fake[] = [];
  // The one spawn of this file (a real rollout on a 1 s check interval), beside the in-process one.
  let reverted: ReturnType<typeof start>;
  beforeAll(async () => {
    fakes.push(await fakeStack(0), await fakeStack(0.03));
    const fake = fakes[1] as Fake;
    reverted = start(config(fake), join(fake.dir, "summary.md"));
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    for (const f of fakes) await f.close();
  });

  it("a healthy release steps 5 -> 50 -> 100 and promotes (exit 0), in fake time", async () => {
    const fake = fakes[0] as Fake;
    const summary = join(fake.dir, "summary.md");
    vi.stubEnv("GITHUB_STEP_SUMMARY", summary);
    const time = new FakeTime();
    let stdout = "";
    let stderr = "";
    const code = await startCommand(
      "e2e",
      { config: config(fake), image: "local/ion-api:2.0.0", json: true },
      {
        out: (text) => {
          stdout += text;
        },
        err: (text) => {
          stderr += text;
        },
      },
      { clock: time.clock, sleep: time.sleep },
    );
    expect(stderr).toContain("report:");
    expect(code).toBe(0);
    const printed = events(stdout);
    expect(printed.filter((e) => e.type === "apply").map((e) => e.weight)).toEqual([5, 50, 100, 100]);
    expect(printed.at(-1)).toMatchObject({ type: "end", outcome: "promoted", exitCode: 0 });
    // Each step through HAProxy's runtime API, stable first: 95/5, 50/50, 0/100, and the promotion.
    expect(fake.setCommands).toEqual([
      "set server app/stable weight 95",
      "set server app/canary weight 5",
      "set server app/stable weight 50",
      "set server app/canary weight 50",
      "set server app/stable weight 0",
      "set server app/canary weight 100",
      "set server app/stable weight 0",
      "set server app/canary weight 100",
    ]);
    expect(fake.weights).toEqual({ "app/canary": 100, "app/stable": 0 });
    expect(readFileSync(summary, "utf8")).toContain("ion-rollout e2e: promoted");
    const state = JSON.parse(readFileSync(join(fake.dir, "state", "e2e.json"), "utf8"));
    expect(state.releases.canary).toEqual({ image: "local/ion-api:2.0.0", name: "ion-api-v2-0-0" });
  });

  it("a release at 3% errors is reverted at the third check (exit 2): the real bin", async () => {
    const fake = fakes[1] as Fake;
    const { code, stdout, stderr } = await reverted;
    expect(code, stderr).toBe(2);
    const checks = events(stdout).filter((e) => e.type === "check");
    expect(checks.map((e) => e.record.verdict)).toEqual(["OBSERVE", "OBSERVE", "NO-GO"]);
    const error = checks.at(-1).record.signals.find((s: { signal: string }) => s.signal === "errorRate");
    expect(error.query).toContain('revision_name="ion-api-v2-0-0"');
    expect(fake.weights).toEqual({ "app/canary": 0, "app/stable": 100 });
    expect(readFileSync(join(fake.dir, "summary.md"), "utf8")).toContain("ion-rollout e2e: reverted");
  });
});
