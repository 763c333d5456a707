import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A real HTTP server on 127.0.0.1, port 0, answering `status(path, n)`; counts requests. */
export interface TestServer {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

export async function serve(answer: (path: string, n: number) => number | "hang"): Promise<TestServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.url} ${req.headers.authorization ?? ""}`.trim());
    const status = answer(req.url ?? "/", requests.length);
    if (status === "hang") return;
    res.writeHead(status, { "content-type": "application/json" });
    res.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
