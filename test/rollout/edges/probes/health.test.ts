import { afterEach, describe, expect, it } from "vitest";
import { healthProbe } from "../../../../src/rollout/edges/probes/health";
import { serve, type TestServer } from "./servers";

const cfg = { enabled: true, requests: 3, timeoutMs: 2_000, path: "/health" };
let server: TestServer | undefined;
afterEach(async () => server?.close());

describe("healthProbe against a real local server", () => {
  it("passes when every request answers 2xx", async () => {
    server = await serve(() => 200);
    const outcome = await healthProbe("canary", { url: server.url }, cfg);
    expect(outcome.passed).toBe(true);
    expect(outcome.summary).toMatch(/^3\/3 2xx within 2000 ms, slowest \d+ ms$/);
    expect(server.requests).toEqual(["/health", "/health", "/health"]);
  });

  it("fails on a 503 and stops asking", async () => {
    server = await serve((_, n) => (n === 2 ? 503 : 200));
    const outcome = await healthProbe("canary", { url: server.url }, cfg);
    expect(outcome).toMatchObject({ passed: false, target: `canary ${server.url}/health` });
    expect(outcome.summary).toBe("1/3 2xx within 2000 ms; request 2: 503");
    expect(server.requests).toHaveLength(2);
  });

  it("fails when the endpoint does not answer within the timeout", async () => {
    server = await serve(() => "hang");
    const outcome = await healthProbe("canary", { url: server.url }, { ...cfg, timeoutMs: 200 });
    expect(outcome.passed).toBe(false);
    expect(outcome.summary).toContain("no answer within 200 ms");
  });

  it("fails on a refused connection", async () => {
    server = await serve(() => 200);
    const url = server.url;
    await server.close();
    server = undefined;
    const outcome = await healthProbe("canary", { url }, cfg);
    expect(outcome.passed).toBe(false);
    expect(outcome.summary).toMatch(/ECONNREFUSED/);
  });

  it("sends the endpoint's headers (the Cloud Run ID token)", async () => {
    server = await serve(() => 200);
    await healthProbe(
      "canary",
      { url: server.url, headers: async () => ({ authorization: "Bearer t0k" }) },
      { ...cfg, requests: 1 },
    );
    expect(server.requests).toEqual(["/health Bearer t0k"]);
  });
});
