import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type RevertLatencyResults, renderRevertLatency } from "./revert-latency-table";
import {
  type EvidenceResults,
  type RolloutResults,
  renderEvidence,
  renderLateFault,
  renderRollouts,
} from "./tables";

/**
 * `npm run bench:docs`: every block of docs/*.md marked `<!-- bench:NAME -->` … `<!-- /bench -->`
 * rewritten from the committed results files (bench/results/*.json, written by `npm run bench`).
 * No figure in those blocks is typed by hand; a test checks the docs equal what this produces.
 */

const PROJECT_DIR = resolve(__dirname, "..");
export const DOCS_DIR = join(PROJECT_DIR, "docs");
const RESULTS_DIR = join(PROJECT_DIR, "bench", "results");

export interface BenchResults {
  rollouts: RolloutResults;
  evidence: EvidenceResults;
  revertLatency: RevertLatencyResults;
}

export function readResults(dir = RESULTS_DIR): BenchResults {
  const read = (name: string) => JSON.parse(readFileSync(join(dir, name), "utf8"));
  return {
    rollouts: read("rollouts.json"),
    evidence: read("evidence.json"),
    revertLatency: read("revert-latency.json"),
  };
}

const BLOCKS: Record<string, (r: BenchResults) => string> = {
  "evidence-table": (r) => renderEvidence(r.evidence),
  "rollouts-table": (r) => renderRollouts(r.rollouts),
  "late-fault": (r) => renderLateFault(r.rollouts),
  "revert-latency": (r) => renderRevertLatency(r.revertLatency),
};

const MARKED = /<!-- bench:([a-z-]+) -->\n[\s\S]*?<!-- \/bench -->/g;

/** The text with every marked block replaced by its generated content. */
export function regenerate(text: string, results: BenchResults, source = "doc"): string {
  return text.replace(MARKED, (_, name: string) => {
    const render = BLOCKS[name];
    if (!render)
      throw new Error(`${source}: unknown bench block "${name}" (known: ${Object.keys(BLOCKS).join(", ")})`);
    return `<!-- bench:${name} -->\n${render(results)}\n<!-- /bench -->`;
  });
}

/** Every doc with marked blocks: its text now and as generated. */
export function generatedDocs(results = readResults(), dir = DOCS_DIR) {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .map((f) => {
      const current = readFileSync(join(dir, f), "utf8");
      return {
        file: f,
        current,
        generated: regenerate(current, results, f),
        blocks: current.match(MARKED)?.length ?? 0,
      };
    })
    .filter((d) => d.blocks > 0);
}

if (require.main === module) {
  for (const doc of generatedDocs()) {
    if (doc.generated === doc.current) continue;
    writeFileSync(join(DOCS_DIR, doc.file), doc.generated);
    process.stdout.write(`bench:docs: rewrote ${doc.blocks} block(s) in docs/${doc.file}\n`);
  }
}
