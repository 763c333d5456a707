import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runRollout } from "../../src/rollout/controller/runner";
import type { Gate } from "../../src/rollout/edges/probes/types";
import { htmlReport, type ReportInput } from "../../src/rollout/report/report";
import { readJournal } from "../support/records";
import { fakeRun, healthy, tempDir } from "./fakes";
import { prodWith, ROOT } from "./fixtures";

/**
 * The HTML report as a browser lays it out: one headless Chromium renders two reports (a rollout
 * reverted on P95 575 ms against a 500 ms limit while memory reads 97.75% against "roll back 85%"
 * and "GO 85%", and a release refused before traffic), a script in the page writes the box of
 * every SVG text and plot into the DOM, and the test reads them from `--dump-dom`. Chromium comes
 * from Debian (`.ci/run` installs it); the screenshot it also takes is for people, not asserted on.
 */

const CHROMIUM = ["chromium", "chromium-browser"].find(
  (bin) => spawnSync(bin, ["--version"], { encoding: "utf8" }).status === 0,
);

const cfg = () => prodWith({ rollout: { bakeSeconds: 300, checkIntervalSeconds: 60, maxStepSeconds: 1800 } });

async function slowRevert(): Promise<ReportInput> {
  // Healthy through step 1 (a 300 s bake), then P95 575 ms and memory 97.75%, both past their
  // limits, and 3 of 400 requests failing (0.75%: under the error rate's limit).
  const run = fakeRun(cfg(), {}, (now) =>
    now >= run.time.at(480) ? healthy(400, { p95LatencyMs: 575, memory: 0.9775, errors: 3 }) : healthy(400),
  );
  const result = await runRollout(run.options);
  return { state: result.state, records: await readJournal(run.options.stateDir, "prod") };
}

async function refused(): Promise<ReportInput> {
  const gate: Gate = {
    kind: "pre-traffic",
    description: "pre-traffic",
    check: async () => ({
      kind: "pre-traffic",
      passed: false,
      probes: [{ probe: "health", target: "canary http://c/health", passed: false, summary: "0/3 2xx" }],
    }),
  };
  const run = fakeRun(cfg(), { preTraffic: gate });
  const result = await runRollout(run.options);
  return { state: result.state, records: await readJournal(run.options.stateDir, "prod") };
}

interface Box {
  text: string;
  cls: string | null;
  left: number;
  top: number;
  right: number;
  bottom: number;
}
interface Measured {
  title: string;
  svgs: {
    box: Box;
    texts: Box[];
    dots: (Box & { value: number })[];
    plots: Box[];
    bands: number;
    markers: { x: number; stroke: string }[];
  }[];
}

/** Runs in the page once both reports have loaded: every box, in the host page's pixels. */
const MEASURE = `window.addEventListener("load", () => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return { text: el.textContent, cls: el.getAttribute("class"), left: r.left, top: r.top, right: r.right, bottom: r.bottom }; };
  const reports = [...document.querySelectorAll("iframe")].map((frame) => {
    const doc = frame.contentDocument;
    return { title: doc.querySelector("h1").textContent, svgs: [...doc.querySelectorAll("svg")].map((svg) => ({
      box: box(svg),
      texts: [...svg.querySelectorAll("text")].map(box),
      plots: [...svg.querySelectorAll("rect.plot")].map(box),
      bands: svg.querySelectorAll("rect.step-band").length,
      dots: [...svg.querySelectorAll("circle.per-check")].map((c) => ({ ...box(c), value: Number(c.getAttribute("data-value")) })),
      markers: [...svg.querySelectorAll("line.marker")].map((l) => ({ x: l.getBoundingClientRect().left + l.getBoundingClientRect().width / 2, stroke: l.getAttribute("stroke") })),
    })) };
  });
  const out = document.createElement("pre");
  out.id = "boxes";
  out.textContent = JSON.stringify(reports);
  document.body.append(out);
});`;

const attribute = (html: string) => html.replace(/&/g, "&amp;").replace(/"/g, "&quot;");

function hostPage(reports: string[]): string {
  const frames = reports
    .map((html) => `<iframe width="1000" height="2400" srcdoc="${attribute(html)}"></iframe>`)
    .join("\n");
  return `<!doctype html><html><body style="margin:0">${frames}<script>${MEASURE}</script></body></html>`;
}

function overlaps(a: Box, b: Box): boolean {
  const slack = 0.5;
  return (
    a.left < b.right - slack &&
    b.left < a.right - slack &&
    a.top < b.bottom - slack &&
    b.top < a.bottom - slack
  );
}

/** A box that straddles a plot's border: part inside, part outside. */
function crosses(label: Box, plot: Box): boolean {
  const inside =
    label.left >= plot.left &&
    label.right <= plot.right &&
    label.top >= plot.top &&
    label.bottom <= plot.bottom;
  return overlaps(label, plot) && !inside;
}

const TITLE = CHROMIUM
  ? "the HTML report in headless Chromium"
  : "the HTML report in headless Chromium: SKIPPED, no chromium on PATH (apt-get install -y chromium, as .ci/run does)";

describe.skipIf(!CHROMIUM)(TITLE, () => {
  let measured: Measured[] = [];

  beforeAll(async () => {
    const dir = tempDir();
    const page = join(dir, "reports.html");
    writeFileSync(page, hostPage([htmlReport(await slowRevert()), htmlReport(await refused())]));
    const shots = join(ROOT, "reports");
    mkdirSync(shots, { recursive: true });
    const result = spawnSync(
      CHROMIUM ?? "chromium",
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        `--user-data-dir=${join(dir, "profile")}`,
        "--window-size=1000,2400",
        `--screenshot=${join(shots, "report-chromium.png")}`,
        "--dump-dom",
        `file://${page}`,
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    const dumped = /<pre id="boxes">([^<]*)<\/pre>/.exec(result.stdout)?.[1];
    if (!dumped)
      throw new Error(`chromium wrote no boxes (exit ${result.status}): ${result.stderr.slice(-2000)}`);
    measured = JSON.parse(
      dumped
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&amp;/g, "&"),
    );
  });

  it("no two text labels of a chart overlap, and none straddles a plot's border or the chart's edge", () => {
    for (const report of measured)
      for (const svg of report.svgs) {
        expect(svg.texts.length).toBeGreaterThan(0);
        for (const [i, a] of svg.texts.entries())
          for (const b of svg.texts.slice(i + 1))
            expect(overlaps(a, b), `"${a.text}" over "${b.text}"`).toBe(false);
        for (const label of svg.texts) {
          for (const plot of svg.plots)
            expect(crosses(label, plot), `"${label.text}" on a border`).toBe(false);
          expect(crosses(label, svg.box), `"${label.text}" cut by the chart's edge`).toBe(false);
        }
      }
  });

  it("the thresholds drawn close together are all there, each readable", () => {
    const texts = measured[0]?.svgs.flatMap((s) => s.texts.map((t) => t.text)) ?? [];
    expect(texts).toEqual(expect.arrayContaining(["roll back 500 ms", "roll back 85%", "GO 85%"]));
  });

  it("the error-rate panel shows the last check's own rate, inside its plot", () => {
    const timeline = measured[0]?.svgs[0];
    const last = timeline?.dots.at(-1);
    expect(last?.value).toBe(3 / 400);
    const plot = timeline?.plots.find((p) => last && overlaps(last, p));
    expect(plot && last && crosses(last, plot)).toBe(false);
    expect(
      timeline?.texts.find((t) => plot && t.bottom <= plot.top && t.bottom > plot.top - 14)?.text,
    ).toMatch(/^error rate/);
  });

  it("the revert marker stands clear of the plot's border, in its own colour", () => {
    const timeline = measured[0]?.svgs[0];
    const revert = timeline?.markers.find((m) => m.stroke === "#c0392b");
    expect(revert).toBeDefined();
    for (const plot of timeline?.plots ?? []) {
      expect(Math.abs((revert?.x ?? 0) - plot.right)).toBeGreaterThanOrEqual(4);
      expect(Math.abs((revert?.x ?? 0) - plot.left)).toBeGreaterThanOrEqual(4);
    }
  });

  it("the time axis reads clock times and each step has its band", () => {
    const timeline = measured[0]?.svgs[0];
    const times = timeline?.texts.filter((t) => t.cls === "time-label").map((t) => t.text) ?? [];
    expect(times[0]).toMatch(/^09:00:00 UTC \(0 s\)$/);
    expect(times[1]).toMatch(/^\d\d:\d\d:\d\d \(\d+ s\)$/);
    expect(timeline?.bands).toBeGreaterThan(0);
    // Each step's weight under its band: the rollout reverted during step 2.
    const weights = cfg()
      .rollout.steps.slice(0, 2)
      .map((w) => `${w}%`);
    expect(timeline?.texts.filter((t) => t.cls === "time-label").map((t) => t.text)).toEqual(
      expect.arrayContaining(weights),
    );
  });

  it("a release refused before traffic is titled REFUSED; the reverted one REVERTED", () => {
    expect(measured.map((m) => m.title)).toEqual(["ion-rollout prod: REVERTED", "ion-rollout prod: REFUSED"]);
  });
});
