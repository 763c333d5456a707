import { describe, expect, it } from "vitest";
import { runRollout } from "../../src/rollout/controller/runner";
import type { Gate } from "../../src/rollout/edges/probes/types";
import { spreadLabels } from "../../src/rollout/report/label-layout";
import { htmlReport, LABEL_GAP, markdownReport, timelineSvg } from "../../src/rollout/report/report";
import { readJournal } from "../support/records";
import { fakeRun, healthy } from "./fakes";
import { prodWith } from "./fixtures";

/** The font's line height in the report's SVG (font-size 11): two labels overlap when closer. */
const FONT_PX = 11;

/** prod (memory: roll back above 85%, GO at most 85%: two labels wanted at the same height). */
const cfg = () => prodWith({ rollout: { bakeSeconds: 300, checkIntervalSeconds: 60, maxStepSeconds: 1800 } });

async function revertedRun() {
  // Healthy, then 20 of 400 failing from the fourth check: the cumulative rate stays far below the last check's.
  const run = fakeRun(cfg(), {}, (now) =>
    healthy(400, { errors: now >= run.time.at(240) ? 20 : 0, memory: 0.84 }),
  );
  const result = await runRollout(run.options);
  return { state: result.state, records: await readJournal(run.options.stateDir, "prod") };
}

/** Axis labels of the timeline: their text and baseline, grouped by panel (140 px apart from y = 20). */
function axisLabels(svg: string) {
  const labels = [
    ...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)"[^>]*class="axis-label">([^<]*)<\/text>/g),
  ].map((m) => ({ y: Number(m[1]), text: m[2] ?? "" }));
  const panels = new Map<number, { y: number; text: string }[]>();
  for (const label of labels) {
    const panel = Math.floor((label.y - 20) / 140);
    panels.set(panel, [...(panels.get(panel) ?? []), label]);
  }
  return [...panels.values()];
}

describe("the report's layout", () => {
  it("spreads labels wanted at one height at least a gap apart, in order, inside the bounds", () => {
    const out = spreadLabels(
      [
        { y: 60, id: "a" },
        { y: 58, id: "b" },
        { y: 60, id: "c" },
        { y: 200, id: "d" },
      ],
      12,
      20,
      130,
    );
    expect(out.map((l) => l.id)).toEqual(["b", "a", "c", "d"]);
    const at = out.map((l) => l.at);
    for (let i = 1; i < at.length; i++) expect((at[i] ?? 0) - (at[i - 1] ?? 0)).toBeGreaterThanOrEqual(12);
    expect(Math.min(...at)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...at)).toBeLessThanOrEqual(130);
  });

  it("no two axis labels of a panel overlap, also where two thresholds share a value", async () => {
    const { records } = await revertedRun();
    const groups = axisLabels(timelineSvg(records));
    const memory = groups.find((g) => g.some((l) => l.text.startsWith("roll back 85")));
    expect(memory?.map((l) => l.text)).toEqual(expect.arrayContaining(["roll back 85%", "GO 85%"]));
    for (const group of groups) {
      const ys = group.map((l) => l.y).sort((a, b) => a - b);
      for (let i = 1; i < ys.length; i++)
        expect((ys[i] ?? 0) - (ys[i - 1] ?? 0)).toBeGreaterThanOrEqual(FONT_PX);
    }
    expect(LABEL_GAP).toBeGreaterThanOrEqual(FONT_PX);
  });

  it("the error-rate panel shows each check's own rate beside the cumulative one, and clock time on the axis", async () => {
    const { records } = await revertedRun();
    const svg = timelineSvg(records);
    const last = records.at(-1);
    const rate = (last?.measured?.canary.errors ?? 0) / (last?.measured?.canary.requests ?? 1);
    expect(rate).toBe(20 / 400);
    const dots = [...svg.matchAll(/class="per-check" data-value="([\d.e-]+)"/g)].map((m) => Number(m[1]));
    expect(dots.at(-1)).toBe(rate);
    // The cumulative rate the analysis judged is lower than the last check's.
    const cumulative = last?.signals.find((s) => s.signal === "errorRate")?.value ?? 1;
    expect(cumulative).toBeLessThan(rate);
    expect(svg).toMatch(/09:00:00 UTC \(0 s\)/);
  });

  it("plain baking holds are not styled as the orange holds a signal caused", async () => {
    const { state, records } = await revertedRun();
    const html = htmlReport({ state, records });
    const baking = records.filter((r) => r.action === "hold" && r.verdict === "GO");
    expect(baking.length).toBeGreaterThan(0);
    for (const r of baking) expect(html).toContain(`<section id="record-${r.seq}" class="baking">`);
    expect(html).not.toContain('class="hold"');
  });

  it("a release stopped before any traffic is titled REFUSED, not REVERTED", async () => {
    const refuse: Gate = {
      kind: "pre-traffic",
      description: "pre-traffic",
      check: async () => ({
        kind: "pre-traffic",
        passed: false,
        probes: [{ probe: "health", target: "canary http://c/health", passed: false, summary: "0/3 2xx" }],
      }),
    };
    const run = fakeRun(cfg(), { preTraffic: refuse });
    const result = await runRollout(run.options);
    expect(result.state.status).toBe("reverted");
    const records = await readJournal(run.options.stateDir, "prod");
    expect(markdownReport({ state: result.state, records })).toMatch(/^## ion-rollout prod: refused/);
    expect(htmlReport({ state: result.state, records })).toContain("<h1>ion-rollout prod: REFUSED</h1>");
    const { state: reverted, records: served } = await revertedRun();
    expect(htmlReport({ state: reverted, records: served })).toContain("<h1>ion-rollout prod: REVERTED</h1>");
  });
});
