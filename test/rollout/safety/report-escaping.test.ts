import { describe, expect, it } from "vitest";
import { freshState } from "../../../src/rollout/controller/prepare";
import { actionRecord, type DecisionRecord } from "../../../src/rollout/core/record";
import type { RolloutState } from "../../../src/rollout/core/state";
import { markdownReport } from "../../../src/rollout/report/report";
import { T0 } from "../fakes";

/**
 * Every field of the Markdown report that comes from input is inert: no raw
 * HTML, no line break that starts a heading, no table cell broken by a pipe. One test per field.
 */

const HOSTILE = "x\n## PROMOTED\n<img src=x onerror=alert(1)> | *bold* [link](http://evil) `code`";

function reverted(): { state: RolloutState; records: DecisionRecord[] } {
  const base = freshState(
    "prod",
    {
      stable: { image: "registry/ion-api:1.0.0", name: "ion-api-v1" },
      canary: { image: "registry/ion-api:2.0.0", name: "ion-api-v2" },
    },
    T0,
    0,
  );
  const record = actionRecord({
    seq: 1,
    at: 60,
    startedAtMs: T0,
    step: 1,
    steps: 5,
    weight: 5,
    action: "revert",
    reason: "aborted by alice (ion-rollout abort)",
    nextWeight: 0,
  });
  const state: RolloutState = { ...base, status: "reverted", reason: "aborted by alice", causedBy: 1 };
  return { state, records: [record] };
}

function expectInert(markdown: string): void {
  expect(markdown.split("\n").filter((line) => /^\s*#+ PROMOTED/.test(line))).toEqual([]);
  expect(markdown).not.toMatch(/<img/);
  expect(markdown).toContain("&lt;img");
  const tableRows = markdown.split("\n").filter((line) => line.startsWith("| 1 |"));
  for (const row of tableRows) expect(row.split(/(?<!\\)\|/).length).toBe(9);
}

const FIELDS: [string, (input: ReturnType<typeof reverted>) => void][] = [
  ["stage", (i) => Object.assign(i.state, { stage: HOSTILE })],
  ["canary name", (i) => Object.assign(i.state.releases.canary, { name: HOSTILE })],
  ["canary image", (i) => Object.assign(i.state.releases.canary, { image: HOSTILE })],
  ["stable name", (i) => Object.assign(i.state.releases.stable, { name: HOSTILE })],
  [
    "state reason (operator name from $USER)",
    (i) => Object.assign(i.state, { reason: `aborted by ${HOSTILE}` }),
  ],
  ["decision reason", (i) => Object.assign(i.records[0] as DecisionRecord, { reason: HOSTILE })],
];

describe("the Markdown report escapes every input field", () => {
  it("the untouched report reads as before", () => {
    const markdown = markdownReport(reverted());
    expect(markdown).toContain("## ion-rollout prod: reverted");
    expect(markdown).toContain("**REVERTED** ion-api-v2");
  });
  for (const [field, inject] of FIELDS) {
    it(field, () => {
      const input = reverted();
      inject(input);
      expectInert(markdownReport(input));
    });
  }
  it("a signal's query cannot close its code fence", () => {
    const input = reverted();
    const record = input.records[0] as DecisionRecord;
    record.signals = [
      {
        signal: "errorRate",
        query: "```\n## PROMOTED\n<img src=x>",
        value: 0.02,
        sampleSize: 100,
        threshold: { rollbackAbove: 0.01, goAtMost: 0.005, consecutive: 3 },
        verdict: "NO-GO",
        counter: 3,
        breach: true,
        reason: "errorRate: 2%",
      },
    ];
    const markdown = markdownReport(input);
    const fence = markdown.split("\n").find((line) => /^`{3,}$/.test(line)) ?? "";
    expect(fence.length).toBeGreaterThan(3);
  });
});
