import { describe, expect, it } from "vitest";
import { generatedDocs, readResults, regenerate } from "../../bench/docs";

/**
 * Every table marked `<!-- bench:NAME -->` in docs/ is what `npm run bench:docs` writes from the
 * committed results (bench/results/*.json): no figure there is typed or copied by hand.
 */

describe("bench tables in docs/", () => {
  const results = readResults();
  const docs = generatedDocs(results);

  it.each(docs.map((d) => [d.file, d] as const))("docs/%s equals what the generator writes", (_, doc) => {
    expect(doc.current).toBe(doc.generated);
  });

  it("the evidence table, the late fault and the whole-rollout table are all in docs/", () => {
    const text = docs.map((d) => d.current).join("\n");
    for (const name of ["evidence-table", "late-fault", "rollouts-table"])
      expect(text).toContain(`<!-- bench:${name} -->`);
    expect(docs.map((d) => d.file).sort()).toEqual(["evidence.md", "rollout.md"]);
  });

  it("a figure edited by hand inside a block is rewritten (the check can fail)", () => {
    const doc = docs.find((d) => d.file === "evidence.md");
    const block = doc?.current.match(/<!-- bench:late-fault -->\n[\s\S]*?<!-- \/bench -->/)?.[0] ?? "";
    const edited = block.replace(/\*\*[0-9.]+%\*\*/, "**99.9%**");
    expect(edited).not.toBe(block);
    expect(regenerate(edited, results)).toBe(block);
  });

  it("an unknown block name is refused", () => {
    expect(() => regenerate("<!-- bench:nope -->\nx\n<!-- /bench -->", results, "x.md")).toThrow(
      /unknown bench block "nope"/,
    );
  });
});
