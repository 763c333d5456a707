import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createNetServer, type Socket } from "node:net";
import { join } from "node:path";
import { builtIonRollout } from "../../support/built-cli";
import { tempDir } from "../fakes";
import { ROOT } from "../fixtures";

/**
 * A fake HAProxy runtime socket and a fake Prometheus for driving the CLI's local edges (the CLI
 * as a child process, or `startCommand` in-process), plus a way to hold a runtime command until the
 * test lets it through, so a test can act while a revert is in flight.
 */
export interface LocalFake {
  dir: string;
  stateDir: string;
  socket: string;
  prometheusUrl: string;
  weights: Record<string, number>;
  /** Every `set server` command, in order. */
  setCommands: string[];
  /** Canary 5xx share the fake Prometheus reports. */
  canaryErrorRate: number;
  /** Commands matching this are held until `release()`; `held` resolves when one arrives. */
  hold(pattern: RegExp): { held: Promise<void>; release: () => void };
  close(): Promise<void>;
}

interface Hold {
  pattern: RegExp;
  arrived: () => void;
  gate: Promise<void>;
}

function answer(fake: LocalFake, line: string): string {
  let text = "";
  for (const command of line.trim().split(";")) {
    const get = /^get weight (\S+)$/.exec(command);
    const set = /^set server (\S+) weight (\d+)$/.exec(command);
    if (get?.[1]) text += `${fake.weights[get[1]] ?? 0} (initial 0)\n\n`;
    else if (set?.[1]) {
      fake.weights[set[1]] = Number(set[2]);
      fake.setCommands.push(command);
      text += "\n";
    } else text += "Unknown command.\n\n";
  }
  return text;
}

function prometheus(fake: LocalFake): Server {
  return createHttpServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const query =
      new URLSearchParams(body).get("query") ??
      new URL(req.url ?? "/", "http://x").searchParams.get("query") ??
      "";
    const canary = query.includes('revision_name="ion-api-v2-0-0"');
    const share = (canary ? fake.weights["app/canary"] : fake.weights["app/stable"]) ?? 0;
    const requests = 20 * share;
    let value = requests;
    if (query.startsWith("time()")) value = 1;
    else if (query.includes("latencies")) value = 80;
    else if (query.includes("memory") || query.includes("cpu")) value = 0.3;
    else if (query.includes('response_code_class="5xx"'))
      value = canary ? Math.round(requests * fake.canaryErrorRate) : 0;
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({
        status: "success",
        data: { resultType: "vector", result: [{ metric: {}, value: [Date.now() / 1000, String(value)] }] },
      }),
    );
  });
}

export async function localFake(canaryErrorRate = 0): Promise<LocalFake> {
  const dir = tempDir();
  const holds: Hold[] = [];
  const fake: LocalFake = {
    dir,
    stateDir: join(dir, "state"),
    socket: join(dir, "haproxy.sock"),
    prometheusUrl: "",
    weights: { "app/canary": 0, "app/stable": 100 },
    setCommands: [],
    canaryErrorRate,
    hold(pattern) {
      let arrived = () => {};
      let release = () => {};
      const held = new Promise<void>((r) => {
        arrived = r;
      });
      const gate = new Promise<void>((r) => {
        release = r;
      });
      holds.push({ pattern, arrived, gate });
      return { held, release };
    },
    close: async () => {},
  };
  const haproxy = createNetServer((conn: Socket) => {
    conn.setEncoding("utf8");
    conn.on("data", async (line: string) => {
      const hold = holds.find((h) => h.pattern.test(line));
      if (hold) {
        holds.splice(holds.indexOf(hold), 1);
        hold.arrived();
        await hold.gate;
      }
      conn.end(answer(fake, line));
    });
  });
  await new Promise<void>((r) => haproxy.listen(fake.socket, r));
  const metrics = prometheus(fake);
  await new Promise<void>((r) => metrics.listen(0, "127.0.0.1", r));
  fake.prometheusUrl = `http://127.0.0.1:${(metrics.address() as AddressInfo).port}`;
  fake.close = async () => {
    await new Promise((r) => haproxy.close(r));
    await new Promise((r) => metrics.close(r));
  };
  return fake;
}

/**
 * A local stage on the fakes, steps 5/50/100; by default a long bake so the runner stays at 5%, and
 * the stage's default analysis.
 */
export function localConfig(
  fake: LocalFake,
  { bakeSeconds = 600, analysis }: { bakeSeconds?: number; analysis?: "consecutive" } = {},
): string {
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
    bakeSeconds: ${bakeSeconds}
    checkIntervalSeconds: 1${analysis ? `\n    analysis: ${analysis}` : ""}
    stateDir: ${fake.stateDir}
    # The fake HAProxy answers weights only; the gate is tested in test/rollout/edges/probes and the rehearsal.
    preTraffic: { enabled: false }
`,
  );
  return file;
}

export interface Cli {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when stdout (or stderr) has a line matching the pattern. */
  line: (pattern: RegExp, stream?: "stdout" | "stderr") => Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function cli(args: string[]): Cli {
  const child = spawn(process.execPath, [builtIonRollout(), ...args], { cwd: ROOT });
  const text = { stdout: "", stderr: "" };
  const waiters: { pattern: RegExp; stream: "stdout" | "stderr"; resolve: (line: string) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const found = text[w.stream].split("\n").find((l) => w.pattern.test(l));
      if (found !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(found);
      }
    }
  };
  child.stdout.on("data", (d) => {
    text.stdout += d;
    check();
  });
  child.stderr.on("data", (d) => {
    text.stderr += d;
    check();
  });
  child.stdout.on("error", () => {});
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    line: (pattern, stream = "stdout") =>
      new Promise((resolve) => {
        waiters.push({ pattern, stream, resolve });
        check();
      }),
    exit,
  };
}

export function startArgs(file: string, ...more: string[]): string[] {
  return ["start", "e2e", "--config", file, "--image", "local/ion-api:2.0.0", "--json", ...more];
}

export function lockFiles(stateDir: string): string[] {
  return existsSync(stateDir) ? readdirSync(stateDir).filter((f) => f.endsWith(".lock")) : [];
}
