import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fail } from "../../../src/rollout/commands/common";
import { freshState } from "../../../src/rollout/controller/prepare";
import { analyseCheck, initialAnalysisState } from "../../../src/rollout/core/analysis/check";
import { actionRecord, type DecisionRecord, formatRecord } from "../../../src/rollout/core/record";
import type { RolloutState } from "../../../src/rollout/core/state";
import { postPrometheusApi } from "../../../src/rollout/edges/metrics/prometheus-query";
import { notifierFromEnv } from "../../../src/rollout/edges/notify/from-env";
import { runGateCommand } from "../../../src/rollout/edges/probes/command";
import { gateMarkdown } from "../../../src/rollout/report/gate-markdown";
import { writeReports } from "../../../src/rollout/report/report-files";
import { appendRecord, fileOf, journalKey } from "../../support/records";
import { bufferedStreams, T0, tempDir } from "../fakes";
import { check, prod } from "../fixtures";

/**
 * Text from outside (a gate command's output, a metrics server's error body, release names) is
 * stripped of escape and control characters before a terminal, fenced so it cannot close its
 * Markdown fence, escaped in HTML; secrets (configured ones and environment variables with
 * secret-like names) are redacted in the journal, the reports, logs and notifications.
 */

const WEBHOOK = "https://hooks.slack.com/services/T0000/B0000/abcdefghijklmnopqrstuvwx";
const TOKEN = "tok-7f3a9c1e5b2d4f60";
const SECRET_ENV = { ...process.env, ION_SLACK_WEBHOOK_URL: WEBHOOK, DEPLOY_API_TOKEN: TOKEN };
// A window title, a colour, a cursor move, an OSC 8 hyperlink, a bell and a right-to-left override.
const ESCAPES =
  "\x1b]0;pwned\x07\x1b[31mred\x1b[0m\x1b[2J\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\\x07\u202e";
const ESC = String.fromCharCode(27);
const BEL = String.fromCharCode(7);

/** Whether `text` holds a character that drives a terminal or reorders text (tab and newline excepted). */
function hasControl(text: string): boolean {
  return [...text].some((c) => {
    const code = c.codePointAt(0) as number;
    return (
      (code < 32 && code !== 9 && code !== 10) ||
      (code >= 127 && code <= 159) ||
      (code >= 0x202a && code <= 0x202e) ||
      (code >= 0x2066 && code <= 0x2069)
    );
  });
}

const ctx = {
  canaryUrl: "http://canary",
  stableUrl: "http://stable",
  stage: "prod",
  release: "ion-api-v2",
  cwd: process.cwd(),
  killGraceMs: 200,
  pipeDrainMs: 200,
};

function gateRecord(output: string): DecisionRecord {
  const record = actionRecord({
    seq: 1,
    at: 0,
    startedAtMs: T0,
    step: 1,
    steps: 5,
    weight: 0,
    action: "revert",
    reason: `pre-traffic gate failed: ${output}`,
    nextWeight: 0,
  });
  return {
    ...record,
    gate: {
      kind: "pre-traffic",
      passed: false,
      probes: [{ probe: "command", target: "./check.sh", passed: false, summary: "exit 1", output }],
    },
  };
}

describe("a gate command's output", () => {
  it("is recorded without escape sequences or control characters, and without secrets from its environment", async () => {
    const outcome = await runGateCommand(
      {
        run: `env; printf '${ESCAPES.split(ESC).join("\\033").split(BEL).join("\\007")}\\n'; exit 1`,
        timeoutSeconds: 30,
        maxOutputBytes: 1 << 20,
      },
      { ...ctx, env: SECRET_ENV },
    );
    const output = outcome.output ?? "";
    expect(output).toContain("DEPLOY_API_TOKEN=[REDACTED]");
    expect(output).toContain("ION_SLACK_WEBHOOK_URL=[REDACTED]");
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain("hooks.slack.com/services");
    expect(hasControl(output)).toBe(false);
    expect(output).toContain("redlink");
  });

  it("cannot close its Markdown fence, whatever runs of ``` and ~~~~ it holds", () => {
    const output = "ok\n```\n## PROMOTED\n~~~~\n<img src=x>\n`````\ndone";
    const lines = gateMarkdown(gateRecord(output)).join("\n").split("\n");
    const open = lines.findIndex((line) => /^(`{3,}|~{3,})$/.test(line));
    const fence = lines[open] as string;
    // The block closes only at a line of the same character at least as long: the fence's own.
    const close = lines.findIndex((line, i) => i > open && line.startsWith(fence) && /^(`+|~+)$/.test(line));
    expect(lines.slice(open + 1, close).join("\n")).toBe(output);
  });

  it("reaches explain's terminal without escape sequences", () => {
    const text = formatRecord(gateRecord(`before${ESCAPES}after`));
    expect(text).toContain("before");
    expect(hasControl(text)).toBe(false);
  });
});

describe("secrets are redacted where they are written", () => {
  it("the journal: a record carrying a secret-named variable's value", async () => {
    const dir = tempDir();
    const saved = process.env.DEPLOY_API_TOKEN;
    process.env.DEPLOY_API_TOKEN = TOKEN;
    try {
      await appendRecord(dir, "prod", "r1", gateRecord(`token is ${TOKEN}`));
    } finally {
      if (saved === undefined) delete process.env.DEPLOY_API_TOKEN;
      else process.env.DEPLOY_API_TOKEN = saved;
    }
    const line = readFileSync(fileOf(dir, journalKey("prod", "r1")), "utf8");
    expect(line).not.toContain(TOKEN);
    expect(line).toContain("token is [REDACTED]");
  });

  it("the Markdown and HTML reports (and the step summary)", () => {
    const dir = tempDir();
    const state: RolloutState = {
      ...freshState(
        "prod",
        {
          stable: { image: "registry/ion-api:1.0.0", name: "ion-api-v1" },
          canary: { image: "registry/ion-api:2.0.0", name: "ion-api-v2" },
        },
        T0,
        0,
      ),
      status: "reverted",
      reason: `gate failed near ${WEBHOOK}`,
    };
    const summary = join(dir, "summary.md");
    const written = writeReports(dir, state, [gateRecord(`posting to ${WEBHOOK}\x1b[31m`)], {
      ...SECRET_ENV,
      GITHUB_STEP_SUMMARY: summary,
    });
    for (const file of [written.markdown, written.html, summary]) {
      const text = readFileSync(file, "utf8");
      expect(text).not.toContain("hooks.slack.com/services");
      expect(text).toContain("[REDACTED]");
      expect(text).not.toContain(ESC);
    }
  });

  it("notifications: an event's text is redacted before it is posted", async () => {
    const bodies: string[] = [];
    const fetch = (async (_url: string, init: { body: string }) => {
      bodies.push(init.body);
      return new Response("ok", { status: 200 });
    }) as unknown as typeof globalThis.fetch;
    const notifier = notifierFromEnv(
      { ION_WEBHOOK_URL: "https://hooks.example.com/rollouts", DEPLOY_API_TOKEN: TOKEN },
      { fetch, log: () => {} },
    );
    await notifier.notify({
      kind: "revert",
      stage: "prod",
      canaryWeight: 0,
      message: `gate output: ${TOKEN}`,
      at: T0,
    });
    expect(bodies.join("\n")).not.toContain(TOKEN);
    expect(bodies.join("\n")).toContain("[REDACTED]");
  });
});

describe("a metrics server's error body", () => {
  it("reaches the message without escape sequences or control characters", async () => {
    const fetch = (async () =>
      new Response(`<html>\x1b]0;owned\x07\x1b[2J<body>bad gateway</body></html>`, {
        status: 502,
      })) as unknown as typeof globalThis.fetch;
    const error = await postPrometheusApi(
      { url: "http://prometheus:9090/api/v1/query", fetch, timeoutMs: 1000 },
      { query: "up" },
    ).catch((e: Error) => e);
    expect((error as Error).message).toContain("bad gateway");
    expect(hasControl((error as Error).message)).toBe(false);
  });

  it("any source's error reaches the decision's reasons as one plain line", () => {
    const measured = { ...check(60), errors: [`CloudWatch: <html>${ESCAPES}\n<body>throttled</body>`] };
    const analysis = analyseCheck(prod(), initialAnalysisState(), measured, 5);
    const reason = analysis.reasons.find((r) => r.startsWith("metrics error:")) ?? "";
    expect(reason).toContain("throttled");
    expect(hasControl(reason)).toBe(false);
    expect(reason).not.toContain("\n");
  });

  it("and `fail` prints any message without them", () => {
    const { io, err } = bufferedStreams();
    fail(io, `cannot record the trace: ${ESCAPES}`);
    expect(hasControl(err())).toBe(false);
  });
});
