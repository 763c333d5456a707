import { rmSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";

/**
 * A stand-in for HAProxy's runtime API socket that passes every line through to the real one,
 * except lines with a command the test wants refused: those get HAProxy-style error answers and
 * never reach HAProxy. The runner's driver talks to it exactly as to HAProxy.
 */
export interface RuntimeApiProxy {
  path: string;
  /** Lines refused so far. */
  refused: string[];
  close(): Promise<void>;
}

export async function startRuntimeApiProxy(
  path: string,
  target: string,
  refuse: (command: string) => string | undefined,
): Promise<RuntimeApiProxy> {
  rmSync(path, { force: true });
  const refused: string[] = [];
  const server: Server = createServer((client) => {
    let line = "";
    client.setEncoding("utf8");
    client.on("error", () => undefined);
    const onData = (chunk: string) => {
      line += chunk;
      const end = line.indexOf("\n");
      if (end < 0) return;
      client.off("data", onData);
      const commands = line.slice(0, end).split(";");
      const answers = commands.map(refuse);
      if (answers.some((answer) => answer !== undefined)) {
        refused.push(line.slice(0, end));
        client.end(answers.map((answer) => (answer ? `${answer}\n\n` : "\n")).join(""));
        return;
      }
      const upstream = connect(target);
      upstream.on("error", () => client.destroy());
      upstream.on("connect", () => upstream.write(line));
      upstream.pipe(client);
    };
    client.on("data", onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, resolve);
  });
  return {
    path,
    refused,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
