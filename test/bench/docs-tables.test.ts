import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { BLOCKS, generatedDocs, markedBlocks, regenerate, resultsReader } from "../../bench/docs";

/**
 * Every table marked `<!-- bench:NAME -->` in docs/ and README.md is what `npm run bench:docs`
 * writes from the committed results (bench/results/*.json): no figure there is typed or copied by
 * hand, and every table the generator knows is in a doc.
 */

/** The docs whose figures are measurements: a table of figures there must be a generated block. */
const MEASUREMENT_DOCS = ["docs/evidence.md", "docs/rollout.md", "docs/rehearsal.md"];

/** A header that names what a measurement reports (config, command and mapping tables name none). */
const MEASURED_HEADER =
  /\b(measured|reverts|reverted|rate|CI|Wilson|median|mean|runs|detections?|false|share|seconds|req\/check|requests per check)\b/i;

/** The header line of every Markdown table outside the generated blocks that names a measurement. */
function handTablesOfFigures(text: string): string[] {
  const outside = text.replace(/<!-- bench:[a-z-]+ -->\n[\s\S]*?<!-- \/bench -->/g, "");
  return [...outside.matchAll(/(?:^|\n)(?!\|)[^\n]*\n(\|[^\n]*)/g)]
    .map((m) => m[1] ?? "")
    .filter((header) => MEASURED_HEADER.test(header));
}

describe("bench tables in docs/", () => {
  const results = resultsReader();
  const docs = generatedDocs(results);
  const marked = docs.flatMap((d) => d.blocks.map((name) => ({ name, doc: d })));

  it.each(docs.map((d) => [d.file, d] as const))("%s equals what the generator writes", (_, doc) => {
    expect(doc.current).toBe(doc.generated);
  });

  it.each(BLOCKS.map((b) => [b.name]))("the generator's block %s is marked in a doc", (name) => {
    expect(marked.map((m) => m.name)).toContain(name);
  });

  it.each(BLOCKS.map((b) => [b.name]))("block %s: a figure edited by hand is rewritten", (name) => {
    const doc = marked.find((m) => m.name === name)?.doc;
    const pattern = new RegExp(`<!-- bench:${name} -->\\n[\\s\\S]*?<!-- /bench -->`);
    const block = doc?.current.match(pattern)?.[0] ?? "";
    const body = block.indexOf("\n");
    const digit = block.slice(body).search(/[0-9]/) + body;
    expect(digit).toBeGreaterThan(body);
    const edited = `${block.slice(0, digit)}${block[digit] === "7" ? "8" : "7"}${block.slice(digit + 1)}`;
    expect(edited).not.toBe(block);
    expect(regenerate(edited, results)).toBe(block);
  });

  it.each(MEASUREMENT_DOCS.map((f) => [f]))(
    "%s has no table of figures outside a generated block",
    (file) => {
      const text = readFileSync(resolve(__dirname, "../..", file), "utf8");
      expect(handTablesOfFigures(text)).toEqual([]);
    },
  );

  it("a hand-written table of figures is found; a config table, or one inside a block, is not", () => {
    const text = [
      "x",
      "| canary error rate | reverted |",
      "|---|---|",
      "| 1% | 2 |",
      "",
      "| key | default |",
      "|---|---|",
      "",
      "<!-- bench:t -->",
      "| rate | CI |",
      "<!-- /bench -->",
    ].join("\n");
    expect(handTablesOfFigures(text)).toEqual(["| canary error rate | reverted |"]);
  });

  it("the marked block names are read from the doc's markers", () => {
    expect(
      markedBlocks("a\n<!-- bench:x-y -->\n1\n<!-- /bench -->\nb\n<!-- bench:z -->\n<!-- /bench -->"),
    ).toEqual(["x-y", "z"]);
  });

  it("an unknown block name is refused", () => {
    expect(() => regenerate("<!-- bench:nope -->\nx\n<!-- /bench -->", results, "x.md")).toThrow(
      /unknown bench block "nope"/,
    );
  });

  it("a missing results file names the file to produce", () => {
    const read = resultsReader(mkdtempSync(join(tmpdir(), "bench-results-")));
    expect(() => read("traffic.json")).toThrow(/traffic\.json is missing: run the bench script/);
  });
});
