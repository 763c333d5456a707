import { connect } from "node:net";
import { isAbsolute, resolve } from "node:path";
import { type StageConfig, splitOf } from "../../../config";
import { abortableSleep } from "../sleep";
import type { TrafficChange, TrafficDriver } from "../types";
import { backoffDelays } from "./backoff";

/**
 * Drives the split of the local rehearsal: one HAProxy backend with a stable and a canary server,
 * weights changed through HAProxy's runtime API (the stats socket, `level admin`), no reload.
 * The same role Cloud Run traffic tags, a URL map's weighted backends or ALB target-group weights
 * play in the cloud. Canary weight n% is canary server weight n, stable server weight 100 - n.
 */
export interface HaproxyTrafficDriverOptions {
  /** The runtime API's unix socket (`stats socket ... level admin`). */
  socketPath: string;
  backend: string;
  stableServer: string;
  canaryServer: string;
  /** Per runtime API conversation. */
  timeoutMs?: number;
  /** Attempts when the socket cannot be reached (HAProxy restarting); command errors are not retried. */
  attempts?: number;
  baseDelayMs?: number;
}

export class HaproxyRuntimeError extends Error {
  override name = "HaproxyRuntimeError";
  constructor(
    message: string,
    /** True when the socket could not be reached at all, so trying again may help. */
    readonly unreachable = false,
  ) {
    super(message);
  }
}

/**
 * HAProxy answers each command of a `;`-separated line with its output followed by an empty line;
 * a successful `set` has no output. Splits the answer back into one string per command.
 */
export function splitRuntimeAnswers(text: string, commands: number): string[] {
  const answers: string[] = [];
  let rest = text;
  while (answers.length < commands && rest.length > 0) {
    if (rest.startsWith("\n")) {
      answers.push("");
      rest = rest.slice(1);
      continue;
    }
    const end = rest.indexOf("\n\n");
    if (end < 0) {
      answers.push(rest.trimEnd());
      rest = "";
      break;
    }
    answers.push(rest.slice(0, end));
    rest = rest.slice(end + 2);
  }
  if (answers.length !== commands) {
    throw new HaproxyRuntimeError(
      `HAProxy answered ${answers.length} of ${commands} commands: ${JSON.stringify(text.slice(0, 200))}`,
    );
  }
  return answers;
}

/** One conversation with the runtime API: sends the commands on one line (applied back to back) and reads every answer. */
export function runtimeCommands(
  socketPath: string,
  commands: string[],
  timeoutMs = 2_000,
  signal?: AbortSignal,
): Promise<string[]> {
  return new Promise((resolvePromise, reject) => {
    signal?.throwIfAborted();
    const socket = connect(socketPath);
    let answer = "";
    let settled = false;
    const finish = (error: Error | undefined, value?: string[]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolvePromise(value ?? []);
    };
    const onAbort = () => finish(signal?.reason as Error);
    const timer = setTimeout(
      () =>
        finish(
          new HaproxyRuntimeError(`no answer from HAProxy runtime API ${socketPath} within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(`${commands.join(";")}\n`));
    socket.on("data", (chunk: string) => {
      answer += chunk;
    });
    // Without `prompt`, HAProxy closes the connection once it has answered the line.
    socket.on("end", () => {
      try {
        finish(undefined, splitRuntimeAnswers(answer, commands.length));
      } catch (error) {
        finish(error as Error);
      }
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      const unreachable = ["ENOENT", "ECONNREFUSED", "EACCES", "ECONNRESET", "EPIPE"].includes(
        error.code ?? "",
      );
      finish(
        new HaproxyRuntimeError(
          `HAProxy runtime API ${socketPath} ${unreachable ? "unreachable" : "failed"}: ${error.message}`,
          unreachable,
        ),
      );
    });
  });
}

/** `get weight` answers "5 (initial 0)". */
export function parseWeight(answer: string, server: string): number {
  const match = /^(\d+) \(initial \d+\)$/.exec(answer.trim());
  if (!match) throw new HaproxyRuntimeError(`get weight ${server}: ${answer.trim() || "(empty answer)"}`);
  return Number(match[1]);
}

/** The split part of a driver: weights through HAProxy's runtime API (the local driver adds the apps). */
export class HaproxyTrafficDriver implements Omit<TrafficDriver, "deployCanary" | "waitReady"> {
  readonly description: string;
  private readonly canary: string;
  private readonly stable: string;
  private readonly timeoutMs: number;
  private readonly delays: number[];

  constructor(private readonly options: HaproxyTrafficDriverOptions) {
    this.canary = `${options.backend}/${options.canaryServer}`;
    this.stable = `${options.backend}/${options.stableServer}`;
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.delays = backoffDelays(Math.max(1, options.attempts ?? 4), options.baseDelayMs ?? 250, 2_000);
    this.description = `HAProxy runtime API ${options.socketPath} (${this.stable} + ${this.canary})`;
  }

  /** The driver a `platform: local` stage describes; a relative socket path is relative to `projectDir`. */
  static forStage(cfg: StageConfig, projectDir = process.cwd()): HaproxyTrafficDriver {
    if (!cfg.local) throw new Error(`stage ${cfg.stage} has no local block; the HAProxy driver needs one`);
    const { haproxySocket, backend, stableServer, canaryServer } = cfg.local;
    return new HaproxyTrafficDriver({
      socketPath: isAbsolute(haproxySocket) ? haproxySocket : resolve(projectDir, haproxySocket),
      backend,
      stableServer,
      canaryServer,
    });
  }

  async apply(change: TrafficChange, signal?: AbortSignal): Promise<void> {
    const { canary, stable } = splitOf(change.canaryWeight);
    const current = await this.weights(signal);
    // Shrink the side that loses share first, in the same line, so no request sees more canary
    // traffic than either the old or the new split gives it.
    const setCanary = `set server ${this.canary} weight ${canary}`;
    const setStable = `set server ${this.stable} weight ${stable}`;
    const commands = canary < current.canary ? [setCanary, setStable] : [setStable, setCanary];
    const answers = await this.converse(commands, signal);
    answers.forEach((answer, i) => {
      if (answer.trim() !== "") throw new HaproxyRuntimeError(`${commands[i]}: ${answer.trim()}`);
    });
    // Read back: the split is applied only when HAProxy says it serves it.
    const served = await this.weights(signal);
    if (served.canary !== canary || served.stable !== stable) {
      throw new HaproxyRuntimeError(
        `HAProxy serves ${this.canary}=${served.canary} ${this.stable}=${served.stable} after setting ${canary}/${stable}`,
      );
    }
  }

  /** Points a server of the backend at another local port (a new revision deployed beside the old one). */
  async pointServer(server: string, port: number, signal?: AbortSignal): Promise<void> {
    const command = `set server ${this.options.backend}/${server} addr 127.0.0.1 port ${port}`;
    const [answer] = await this.converse([command], signal);
    // HAProxy confirms an address change with a sentence ("IP changed from ... to ..."), or says nothing.
    if (answer && !/changed|no need to change/i.test(answer))
      throw new HaproxyRuntimeError(`${command}: ${answer.trim()}`);
  }

  async currentCanaryWeight(): Promise<number | undefined> {
    const { canary, stable } = await this.weights();
    if (canary + stable === 0) return undefined;
    return Math.round((100 * canary) / (canary + stable));
  }

  /** Both servers' weights as HAProxy holds them now. */
  async weights(signal?: AbortSignal): Promise<{ canary: number; stable: number }> {
    const [canary, stable] = await this.converse(
      [`get weight ${this.canary}`, `get weight ${this.stable}`],
      signal,
    );
    return { canary: parseWeight(canary ?? "", this.canary), stable: parseWeight(stable ?? "", this.stable) };
  }

  private async converse(commands: string[], signal?: AbortSignal): Promise<string[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await runtimeCommands(this.options.socketPath, commands, this.timeoutMs, signal);
      } catch (error) {
        const delay = this.delays[attempt];
        if (
          signal?.aborted ||
          !(error instanceof HaproxyRuntimeError) ||
          !error.unreachable ||
          delay === undefined
        ) {
          throw error;
        }
        await abortableSleep(delay, signal);
      }
    }
  }
}
