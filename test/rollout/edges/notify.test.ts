import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { notifierFromEnv } from "../../../src/rollout/edges/notify";
import { redactSecrets } from "../../../src/rollout/edges/notify/redact";
import type { RolloutEvent } from "../../../src/rollout/edges/types";
import { type Handler, type LocalHttp, startLocalHttp } from "./local-http";

const servers: LocalHttp[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: Handler = (_, res) => res.end("ok")): Promise<LocalHttp> {
  const server = await startLocalHttp(handler);
  servers.push(server);
  return server;
}

const REVERT: RolloutEvent = {
  kind: "revert",
  stage: "prod",
  canaryWeight: 0,
  message: "error rate NO-GO: 3.1% > 1% for 3 checks <canary>",
  at: Date.UTC(2026, 10, 23, 10, 30, 0),
};

/** The header a receiver verifies, as docs/cloud-edges.md documents it. */
const SIGNATURE_HEADER = "x-ion-rollout-signature";

const SLACK_PATH = "/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX";

describe("notifierFromEnv", () => {
  it("is a no-op when neither webhook is set", async () => {
    const logged: string[] = [];
    const notifier = notifierFromEnv({}, { log: (m) => logged.push(m) });
    expect(notifier.channels).toEqual([]);
    await expect(notifier.notify(REVERT)).resolves.toBeUndefined();
    expect(logged).toEqual([]);
  });

  it("posts a Slack message with stage, event, weight and the escaped reason", async () => {
    const slack = await serve();
    const notifier = notifierFromEnv({ ION_SLACK_WEBHOOK_URL: `${slack.url}${SLACK_PATH}` });
    expect(notifier.channels).toEqual(["Slack"]);
    await notifier.notify(REVERT);
    expect(slack.received).toHaveLength(1);
    const request = slack.received[0];
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe(SLACK_PATH);
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request?.body ?? "")).toEqual({
      text: ":rewind: *ion-rollout prod*: revert at canary 0% (2026-11-23T10:30:00Z)\nerror rate NO-GO: 3.1% &gt; 1% for 3 checks &lt;canary&gt;",
    });
  });

  it("posts the event as signed JSON to the generic webhook", async () => {
    const hook = await serve((_, res) => {
      res.writeHead(204);
      res.end();
    });
    const notifier = notifierFromEnv({
      ION_WEBHOOK_URL: `${hook.url}/hooks/ion`,
      ION_WEBHOOK_SECRET: "s3cret-signing-key",
    });
    expect(notifier.channels).toEqual(["webhook (signed)"]);
    await notifier.notify(REVERT);
    const request = hook.received[0];
    expect(JSON.parse(request?.body ?? "")).toEqual({
      source: "ion-rollout",
      kind: "revert",
      stage: "prod",
      canaryWeight: 0,
      message: REVERT.message,
      at: "2026-11-23T10:30:00.000Z",
    });
    // Verified the way a receiver does: HMAC-SHA256 of the raw body it got, with the shared secret.
    const expected = createHmac("sha256", "s3cret-signing-key")
      .update(request?.body ?? "")
      .digest("hex");
    expect(request?.headers[SIGNATURE_HEADER]).toBe(`sha256=${expected}`);
  });

  it("sends to both when both are set, and an unsigned webhook has no signature header", async () => {
    const slack = await serve();
    const hook = await serve();
    const notifier = notifierFromEnv({
      ION_SLACK_WEBHOOK_URL: `${slack.url}/s`,
      ION_WEBHOOK_URL: `${hook.url}/h`,
    });
    expect(notifier.channels).toEqual(["Slack", "webhook"]);
    await notifier.notify({ ...REVERT, kind: "promote", canaryWeight: 100, message: "promoted" });
    expect(slack.received).toHaveLength(1);
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]?.headers[SIGNATURE_HEADER]).toBeUndefined();
  });

  it("never fails the rollout: a rejecting webhook is logged once, redacted, and the other still gets the event", async () => {
    const broken = await serve((_, res) => {
      res.writeHead(403);
      res.end(`invalid_token for ${SLACK_PATH}`);
    });
    const hook = await serve();
    const logged: string[] = [];
    const notifier = notifierFromEnv(
      { ION_SLACK_WEBHOOK_URL: `${broken.url}${SLACK_PATH}`, ION_WEBHOOK_URL: `${hook.url}/h` },
      { log: (m) => logged.push(m) },
    );
    await expect(notifier.notify(REVERT)).resolves.toBeUndefined();
    await expect(notifier.notify({ ...REVERT, kind: "finish" })).resolves.toBeUndefined();
    expect(hook.received).toHaveLength(2);
    expect(broken.received).toHaveLength(2);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain("Slack notification failed");
    expect(logged[0]).toContain("HTTP 403");
    expect(logged[0]).toContain(`${broken.url}/…`);
    expect(logged[0]).not.toContain("XXXXXXXX");
    expect(logged[0]).not.toContain("T0000");
  });

  it("gives up on an unreachable or silent webhook quickly, without printing its URL", async () => {
    // The silent webhook's timeout fires when the webhook has the request (and will never answer),
    // not after 200 ms of wall clock: the notifier makes it right before the fetch it guards.
    let fireSilentTimeout: (() => void) | undefined;
    const silent = await serve(() => fireSilentTimeout?.());
    const closed = await startLocalHttp(() => {});
    await closed.close();
    let latest: AbortController | undefined;
    const logged: string[] = [];
    const notifier = notifierFromEnv(
      {
        ION_SLACK_WEBHOOK_URL: `${silent.url}${SLACK_PATH}`,
        ION_WEBHOOK_URL: `${closed.url}/hook?token=abcdef123`,
      },
      {
        log: (m) => logged.push(m),
        timeoutMs: 200,
        timeoutSignal: () => {
          latest = new AbortController();
          return latest.signal;
        },
        fetch: (url, init) => {
          const timeout = latest;
          if (String(url).startsWith(silent.url)) {
            fireSilentTimeout = () =>
              timeout?.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
          }
          return fetch(url, init);
        },
      },
    );
    await notifier.notify(REVERT);
    expect(logged).toHaveLength(2);
    const all = logged.join("\n");
    expect(all).toContain("no answer within 200 ms");
    expect(all).toContain("ECONNREFUSED");
    expect(all).not.toContain("XXXXXXXX");
    expect(all).not.toContain("abcdef123");
  });
});

describe("redactSecrets", () => {
  it("removes a secret URL whole, its path and its encoded form", () => {
    const url = "https://hooks.slack.com/services/T1/B2/SECRETSECRET";
    expect(redactSecrets(`failed ${url}`, [url])).toBe("failed [REDACTED]");
    expect(redactSecrets("path /services/T1/B2/SECRETSECRET rejected", [url])).toBe(
      "path [REDACTED] rejected",
    );
    expect(redactSecrets(`q=${encodeURIComponent(url)}`, [url])).toBe("q=[REDACTED]");
    expect(redactSecrets("nothing here", [undefined, ""])).toBe("nothing here");
  });
});
