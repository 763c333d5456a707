import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { awsUrls, gcpUrls, localUrls, toEndpoints } from "../../../../src/rollout/edges/probes/endpoints";
import { needsIdToken } from "../../../../src/rollout/edges/probes/from-config";
import { parseServersState } from "../../../../src/rollout/edges/probes/haproxy-servers";
import { httpGet } from "../../../../src/rollout/edges/probes/http-get";
import { idTokenHeaders } from "../../../../src/rollout/edges/probes/id-token";
import { prodWith, staging } from "../../fixtures";

const SHOW_SERVERS_STATE = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 app 1 stable 127.0.0.1 2 0 100 100 12 6 3 4 6 0 0 0 - 9592 - 0 0 - - 0
3 app 2 canary 127.0.0.1 0 0 0 0 3 7 2 0 6 0 0 0 - 9591 - 0 0 - - 0
`;

describe("endpoints per platform", () => {
  it("local: the canary app's own port, read from HAProxy's servers (they swap at each hand-over)", () => {
    const servers = parseServersState(SHOW_SERVERS_STATE);
    expect(servers).toEqual({
      stable: { address: "127.0.0.1", port: 9592 },
      canary: { address: "127.0.0.1", port: 9591 },
    });
    const cfg = prodWith({ platform: "local", local: {}, k8s: undefined });
    expect(localUrls(cfg, servers)).toEqual({
      canary: "http://127.0.0.1:9591",
      stable: "http://127.0.0.1:9592",
      public: "http://127.0.0.1:9580",
    });
  });

  it("gcp revisions: the canary revision's tagged URL; stable and public are the service URL", () => {
    const cfg = prodWith({});
    const outputs = {
      canaryUrl: { value: "https://canary---ion-api-abc-uc.a.run.app" },
      serviceUrls: { value: { "ion-api": "https://ion-api-abc-uc.a.run.app" } },
    };
    expect(gcpUrls(cfg, outputs)).toEqual({
      canary: "https://canary---ion-api-abc-uc.a.run.app",
      stable: "https://ion-api-abc-uc.a.run.app",
      public: "https://ion-api-abc-uc.a.run.app",
    });
    expect(() => gcpUrls(cfg, { serviceUrls: outputs.serviceUrls })).toThrow(/no canaryUrl output/);
  });

  it("aws: the test listener's port on the ALB; a stage without one is told what to add", () => {
    const base = staging();
    const aws = base.aws as NonNullable<typeof base.aws>;
    const withListener = {
      ...base,
      aws: { ...aws, alb: { ...aws.alb, testListener: { port: 8443, allowedCidrs: ["203.0.113.0/24"] } } },
    };
    expect(awsUrls(withListener, { albDnsName: { value: "alb-1.elb.amazonaws.com" } })).toEqual({
      canary: "https://alb-1.elb.amazonaws.com:8443",
      stable: "https://alb-1.elb.amazonaws.com",
      public: "https://alb-1.elb.amazonaws.com",
    });
    const without = { ...base, aws: { ...aws, alb: { ...aws.alb, testListener: undefined } } };
    expect(() => awsUrls(without, { albDnsName: { value: "x" } })).toThrow(/aws.alb.testListener/);
  });

  it("config overrides win; a self-signed certificate is accepted on the canary endpoint only", () => {
    const cfg = prodWith({
      rollout: {
        preTraffic: { endpoints: { public: "https://api.example.com/" }, acceptSelfSignedCanaryCert: true },
      },
    });
    const endpoints = toEndpoints(cfg, { canary: "https://c", stable: "https://s", public: "https://p" });
    expect(endpoints.public.url).toBe("https://api.example.com");
    expect(endpoints.canary.acceptSelfSigned).toBe(true);
    expect(endpoints.stable.acceptSelfSigned).toBeUndefined();
    expect(endpoints.public.acceptSelfSigned).toBeUndefined();
  });
});

describe("Cloud Run authentication", () => {
  it("auto: an ID token on gcp stages that are not public, none elsewhere", () => {
    expect(needsIdToken(prodWith({ gcp: { public: false } }))).toBe(true);
    expect(needsIdToken(prodWith({ gcp: { public: true } }))).toBe(false);
    expect(needsIdToken(staging())).toBe(false);
    expect(
      needsIdToken(prodWith({ gcp: { public: true }, rollout: { preTraffic: { auth: "google-id-token" } } })),
    ).toBe(true);
  });

  it("asks the client once for the audience and sends its bearer token (fake ID token client)", async () => {
    const audiences: string[] = [];
    const headers = idTokenHeaders("https://canary---ion-api.a.run.app", async (audience) => {
      audiences.push(audience);
      return { getRequestHeaders: async () => new Headers({ authorization: "Bearer id-token-for-canary" }) };
    });
    expect(await headers()).toEqual({ authorization: "Bearer id-token-for-canary" });
    await headers();
    expect(audiences).toEqual(["https://canary---ion-api.a.run.app"]);
  });

  it("says how to fix missing credentials", async () => {
    const headers = idTokenHeaders("https://x.a.run.app", async () => ({
      getRequestHeaders: async () => ({}),
    }));
    await expect(headers()).rejects.toThrow(/GOOGLE_APPLICATION_CREDENTIALS/);
  });
});

describe("a self-signed certificate (a real TLS server on 127.0.0.1)", () => {
  it("is refused by default and accepted only when the endpoint says so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "probe-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=test-listener",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    const server = createServer(
      { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
      (_, res) => {
        res.writeHead(200);
        res.end("ok");
      },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
    try {
      const strict = await httpGet(url, { timeoutMs: 2_000 });
      expect(strict.status).toBeNull();
      expect(strict.error).toMatch(/self[- ]signed/i);
      expect((await httpGet(url, { timeoutMs: 2_000, acceptSelfSigned: true })).status).toBe(200);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
