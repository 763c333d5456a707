import { describe, expect, it } from "vitest";
import { runRollout } from "../../../src/rollout/controller/runner";
import { fakeRun, healthy } from "../fakes";
import { prodWith } from "../fixtures";

/** prod's plan and sequential analysis, a check a minute, a 5-minute bake; 400 canary requests a check. */
const cfg = () => prodWith({ rollout: { bakeSeconds: 300, checkIntervalSeconds: 60, maxStepSeconds: 1800 } });

async function reasons(canary: Parameters<typeof fakeRun>[2]) {
  const run = fakeRun(cfg(), {}, canary);
  const result = await runRollout(run.options);
  const records = run.events.flatMap((e) => (e.type === "check" ? [e.record] : []));
  return { result, records };
}

describe("a decision's first line, in plain words", () => {
  it("a revert names the weight, the time at the step and the failed requests against the limit", async () => {
    const { result, records } = await reasons(() => healthy(400, { errors: 60 }));
    expect(records.at(-1)?.reason).toBe(
      "reverted at 5% after 60 s: 60 of 400 requests failed since the canary took traffic (15%), limit 1%",
    );
    // The end of the run says the same, once, and the statistics stay in the record's reasons.
    expect(result.reason).toBe(records.at(-1)?.reason);
    expect(records.at(-1)?.reasons.join(" ")).toMatch(/evidence E .* \/ bar/);
  });

  it("a healthy last step gathering evidence holds in words, with no statistics and no OBSERVE", async () => {
    // Early steps advance on the absence of harm; the promotion waits for evidence of being within
    // the limit, which 10 requests a check take a while to give.
    const lowTraffic = prodWith({
      rollout: { bakeSeconds: 300, checkIntervalSeconds: 60, maxStepSeconds: 7200, minRequestsPerStep: 0 },
    });
    const run = fakeRun(lowTraffic, {}, () => healthy(10));
    await runRollout(run.options);
    const records = run.events.flatMap((e) => (e.type === "check" ? [e.record] : []));
    const first = records.find(
      (r) => r.weight === 100 && r.action === "hold" && r.bake.elapsedSeconds >= 300,
    );
    expect(first?.reason).toMatch(
      /^holding at 100%: gathering evidence that the error rate is within its limit \(0 of \d+ failed so far\)$/,
    );
    expect(
      records
        .filter((r) => r.weight < 100)
        .map((r) => r.reason)
        .join("\n"),
    ).not.toMatch(/gathering/);
    expect(records.map((r) => r.reason).join("\n")).not.toMatch(/e\+|bar \d|change-point|OBSERVE/);
  });

  it("an advance names the next weight and what it waited for", async () => {
    const { records } = await reasons(() => healthy(400));
    const advance = records.find((r) => r.action === "advance");
    expect(advance?.reason).toMatch(
      /^to 10%: every signal within its GO limit after 5 min and \d+ requests at 5%$/,
    );
  });
});
