import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Every process the rehearsal (or a rehearsal test) starts goes through here, so every one of them
 * is stopped again: each child leads its own process group (so a wrapper's children go with it),
 * `stopAll` sends SIGTERM then SIGKILL, and a synchronous exit hook SIGKILLs whatever is still up
 * when the parent exits in any way it can observe.
 */
export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr go here (appended). */
  logFile: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ManagedProcess {
  readonly exited: Promise<Exit>;
  private exit?: Exit;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly logFile: string,
    readonly commandLine: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Signals the whole process group. */
  signal(signal: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // Already gone between the check and the kill.
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop(graceMs = 3_000): Promise<Exit> {
    if (!this.running) return this.exit as Exit;
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    // The leader is gone; take any straggler of its group with it.
    try {
      process.kill(-this.pid, "SIGKILL");
    } catch {
      // Nothing left.
    }
    return exit;
  }

  /** The last lines of the log, for error messages. */
  logTail(lines = 15): string {
    if (!existsSync(this.logFile)) return "(no log)";
    const text = readFileSync(this.logFile, "utf8").trimEnd().split("\n");
    return text.slice(-lines).join("\n");
  }
}

export class ProcessGroup {
  private readonly processes: ManagedProcess[] = [];
  private readonly onExit = () => this.killAllNow();

  constructor() {
    process.on("exit", this.onExit);
  }

  start(name: string, command: string, args: string[], options: StartOptions): ManagedProcess {
    mkdirSync(dirname(options.logFile), { recursive: true });
    const log = openSync(options.logFile, "a");
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        detached: true,
        stdio: ["ignore", log, log],
      });
    } finally {
      closeSync(log);
    }
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    // An error after spawn (e.g. ENOENT) arrives as an event; the exit promise reports it too.
    child.on("error", () => undefined);
    const managed = new ManagedProcess(name, child, options.logFile, [command, ...args].join(" "));
    this.processes.push(managed);
    return managed;
  }

  get all(): readonly ManagedProcess[] {
    return this.processes;
  }

  /** Stops every process, newest first (load before servers before proxies). */
  async stopAll(graceMs = 3_000): Promise<void> {
    for (const managed of [...this.processes].reverse()) await managed.stop(graceMs);
    process.off("exit", this.onExit);
  }

  /** Forgets the processes without stopping them (`--keep`): they outlive this process. */
  release(): void {
    for (const managed of this.processes) managed.child.unref();
    this.processes.length = 0;
    process.off("exit", this.onExit);
  }

  private killAllNow(): void {
    for (const managed of this.processes) managed.signal("SIGKILL");
  }
}
