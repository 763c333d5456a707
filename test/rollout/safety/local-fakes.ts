import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createNetServer, type Socket } from "node:net";
import { join } from "node:path";
import { LocalApps } from "../../../src/rollout/edges/drivers/local-apps";
import { builtIonRollout } from "../../support/built-cli";
import { tempDir } from "../fakes";
import { ROOT } from "../fixtures";

/**
 * A fake HAProxy runtime socket and a fake Prometheus for driving the CLI's local edges (the CLI
 * as a child process, or `startCommand` in-process), plus a way to hold a runtime command until the
 * test lets it through, so a test can act while a revert is in flight. The socket answers the
 * commands the local driver sends (weights, `show servers state`, `set server … addr … port`) in
 * HAProxy's own words, so the driver's real deploy runs: it starts local-fake-app.ts on the port
 * stable does not use and points the canary server at it.
 */
export interface LocalFake {
  dir: string;
  stateDir: string;
  socket: string;
  prometheusUrl: string;
  weights: Record<string, number>;
  /** Where each server points (`show servers state` reads it, `set server … addr … port` moves it). */
  servers: Record<string, { addr: string; port: number }>;
  /** The stage's local.appPorts, free loopback ports: stable's server points at the first. */
  appPorts: [number, number];
  /** Where the driver records the apps it starts (local.appsFile); `close()` stops them. */
  appsFile: string;
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

/** Weights HAProxy's configuration gives each server (`get weight` reports them as "initial"). */
const INITIAL_WEIGHTS: Record<string, number> = { "app/canary": 0, "app/stable": 100 };

/**
 * The columns HAProxy 2.6.12 (the Debian package the rehearsal runs) prints for `show servers
 * state`, captured from it; management.txt: "first line contains the format version (1 in this
 * specification); second line contains the column headers, prefixed by a sharp ('#')".
 */
const SERVERS_STATE_HEADER =
  "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port";

function serversState(fake: LocalFake, backend: string): string {
  const rows = Object.entries(fake.servers)
    .filter(([key]) => key.startsWith(`${backend}/`))
    .map(([key, { addr, port }], i) => {
      const [uweight, iweight] = [fake.weights[key] ?? 0, INITIAL_WEIGHTS[key] ?? 0];
      return `3 ${key.replace("/", ` ${i + 1} `)} ${addr} 2 0 ${uweight} ${iweight} 2 1 0 2 0 0 0 0 - ${port} - 0 0 - - 0`;
    });
  if (rows.length === 0) return "Can't find backend.\n";
  return `1\n${SERVERS_STATE_HEADER}\n${rows.join("\n")}\n`;
}

/** HAProxy's sentence for `set server <b>/<s> addr <ip> [port <n>]`, as 2.6.12 words it. */
function moveServer(fake: LocalFake, key: string, addr: string, port: string | undefined): string {
  const server = fake.servers[key];
  if (!server) return "No such server.\n";
  const addrText =
    server.addr === addr ? "no need to change the addr" : `IP changed from '${server.addr}' to '${addr}'`;
  let portText = "";
  if (port !== undefined) {
    portText =
      server.port === Number(port)
        ? ", no need to change the port"
        : `, port changed from '${server.port}' to '${port}'`;
    server.port = Number(port);
  }
  server.addr = addr;
  return `${addrText}${portText} by 'stats socket command'\n`;
}

/** One command's output; HAProxy ends each with an empty line. */
function answerOne(fake: LocalFake, command: string): string {
  const get = /^get weight (\S+)$/.exec(command);
  const setWeight = /^set server (\S+) weight (\d+)$/.exec(command);
  const setAddr = /^set server (\S+) addr (\S+)(?: port (\d+))?$/.exec(command);
  const show = /^show servers state (\S+)$/.exec(command);
  if (get?.[1]) {
    if (!(get[1] in fake.servers)) return "No such server.\n";
    return `${fake.weights[get[1]] ?? 0} (initial ${INITIAL_WEIGHTS[get[1]] ?? 0})\n`;
  }
  if (show?.[1]) return serversState(fake, show[1]);
  if (setWeight?.[1]) {
    fake.setCommands.push(command);
    if (!(setWeight[1] in fake.servers)) return "No such server.\n";
    fake.weights[setWeight[1]] = Number(setWeight[2]);
    return "";
  }
  if (setAddr?.[1] && setAddr[2]) {
    fake.setCommands.push(command);
    return moveServer(fake, setAddr[1], setAddr[2], setAddr[3]);
  }
  return "Unknown command.\n";
}

function answer(fake: LocalFake, line: string): string {
  return line
    .trim()
    .split(";")
    .map((command) => `${answerOne(fake, command)}\n`)
    .join("");
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

/** A loopback port nothing listens on now (the kernel's pick, released at once). */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

export async function localFake(canaryErrorRate = 0): Promise<LocalFake> {
  const dir = tempDir();
  const holds: Hold[] = [];
  const appPorts: [number, number] = [await freePort(), await freePort()];
  const fake: LocalFake = {
    dir,
    stateDir: join(dir, "state"),
    socket: join(dir, "haproxy.sock"),
    prometheusUrl: "",
    weights: { ...INITIAL_WEIGHTS },
    // As the rehearsal's HAProxy starts: stable on the first app port, the canary on the other.
    servers: {
      "app/stable": { addr: "127.0.0.1", port: appPorts[0] },
      "app/canary": { addr: "127.0.0.1", port: appPorts[1] },
    },
    appPorts,
    appsFile: join(dir, "apps.json"),
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
    await appsOf(fake).stopAll();
    await new Promise((r) => haproxy.close(r));
    await new Promise((r) => metrics.close(r));
  };
  return fake;
}

const FAKE_APP_ENTRY = "test/rollout/safety/local-fake-app.ts";

/** The apps the driver started for this fake, as the driver records them. */
function appsOf(fake: LocalFake): LocalApps {
  return new LocalApps({
    registry: fake.appsFile,
    projectDir: ROOT,
    entry: FAKE_APP_ENTRY,
    serviceName: "ion-api",
    healthPath: "/health",
    imageArgs: {},
  });
}

/**
 * A local stage on the fakes, steps 5/50/100; by default a long bake so the runner stays at 5%, and
 * the stage's default analysis. `sharedStore`: the directory its records live in
 * (`rollout.store.path`), instead of the state directory.
 */
export function localConfig(
  fake: LocalFake,
  {
    bakeSeconds = 600,
    analysis,
    sharedStore,
  }: { bakeSeconds?: number; analysis?: "consecutive"; sharedStore?: string } = {},
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
    appPorts: [${fake.appPorts.join(", ")}]
    appEntry: ${join(ROOT, FAKE_APP_ENTRY)}
    appsFile: ${fake.appsFile}
  ion-deploy:releases:
    stable: { image: "local/ion-api:1.9.0", name: ion-api-v1-9-0 }
    canary: { image: "local/ion-api:1.9.0", name: ion-api-v1-9-0 }
  ion-deploy:rollout:
    steps: [5, 50, 100]
    bakeSeconds: ${bakeSeconds}
    checkIntervalSeconds: 1${analysis ? `\n    analysis: ${analysis}` : ""}
    stateDir: ${fake.stateDir}${sharedStore ? `\n    store: { kind: directory, path: ${sharedStore} }` : ""}
    # The fakes have no HAProxy frontend and no stable app to compare with; the gate is tested in
    # test/rollout/edges/probes and the rehearsal.
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

/** The built CLI as a child process, in `cwd` (default the repository). */
export function cli(args: string[], cwd: string = ROOT): Cli {
  const child = spawn(process.execPath, [builtIonRollout(), ...args], { cwd });
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
