import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { type CliStartResults, renderCliStart } from "./cli-start-table";
import { type ExactResults, renderExact, renderExactSummary } from "./exact-table";
import type { TradeoffResults } from "./failed-tradeoff";
import { renderFailedTradeoff } from "./failed-tradeoff-table";
import { type GlitchResults, renderGlitches } from "./glitches-table";
import { type LiveResults, renderLiveRevert, renderPopulation } from "./live-table";
import { type RehearsalResults, renderRehearsal } from "./rehearsal-table";
import { type RelativeResults, renderRelative } from "./relative-table";
import { type RevertLatencyResults, renderRevertLatency } from "./revert-latency-table";
import { renderRunbookComparison } from "./runbook-table";
import {
  type EvidenceResults,
  type RolloutResults,
  renderEvidence,
  renderLateFault,
  renderRollouts,
} from "./tables";
import { renderTrafficPatterns, type TrafficResults } from "./traffic-table";

/**
 * `npm run bench:docs`: every block of docs/*.md and README.md marked `<!-- bench:NAME -->` …
 * `<!-- /bench -->` rewritten from the committed results files (bench/results/*.json, written by
 * the bench scripts). No figure in those blocks is typed by hand; test/bench/docs-tables.test.ts
 * fails when a block differs from what this writes, or when a block of BLOCKS is in no doc.
 *
 * To add a table: have the bench script write bench/results/NAME.json (with the command and run
 * counts that produced it), write a renderer (results → Markdown, naming that command), add one
 * entry to BLOCKS, put `<!-- bench:NAME -->\n<!-- /bench -->` where the table goes and run
 * `npm run bench:docs`. The test covers the new entry with no change.
 */

const PROJECT_DIR = resolve(__dirname, "..");
export const DOCS_DIR = join(PROJECT_DIR, "docs");
export const RESULTS_DIR = join(PROJECT_DIR, "bench", "results");

/** One generated table: its marker name, the results file it is rendered from, the renderer. */
export interface DocBlock {
  name: string;
  file: string;
  render: (results: unknown) => string;
}

function block<T>(name: string, file: string, render: (results: T) => string): DocBlock {
  return { name, file, render: (results) => render(results as T) };
}

export const BLOCKS: DocBlock[] = [
  block<EvidenceResults>("evidence-table", "evidence.json", renderEvidence),
  block<EvidenceResults>("runbook-comparison", "evidence.json", renderRunbookComparison),
  block<ExactResults>("evidence-exact", "evidence-exact.json", renderExact),
  block<ExactResults>("exact-summary", "evidence-exact.json", renderExactSummary),
  block<TrafficResults>("traffic-patterns", "traffic.json", renderTrafficPatterns),
  block<RolloutResults>("rollouts-table", "rollouts.json", renderRollouts),
  block<RolloutResults>("late-fault", "rollouts.json", renderLateFault),
  block<TradeoffResults>("failed-tradeoff", "failed-tradeoff.json", renderFailedTradeoff),
  block<GlitchResults>("glitches", "glitches.json", renderGlitches),
  block<RelativeResults>("relative", "relative.json", renderRelative),
  block<LiveResults>("live-revert", "live.json", renderLiveRevert),
  block<LiveResults>("population", "live.json", renderPopulation),
  block<RehearsalResults>("rehearsal-run", "rehearsal.json", renderRehearsal),
  block<CliStartResults>("cli-start", "cli-start.json", renderCliStart),
  block<RevertLatencyResults>("revert-latency", "revert-latency.json", renderRevertLatency),
];

/** The results files, read once each on first use. */
export type ResultsReader = (file: string) => unknown;

export function resultsReader(dir = RESULTS_DIR): ResultsReader {
  const read = new Map<string, unknown>();
  return (file) => {
    if (!read.has(file)) {
      const path = join(dir, file);
      if (!existsSync(path))
        throw new Error(`${relative(PROJECT_DIR, path)} is missing: run the bench script that writes it`);
      read.set(file, JSON.parse(readFileSync(path, "utf8")));
    }
    return read.get(file);
  };
}

const MARKED = /<!-- bench:([a-z-]+) -->\n[\s\S]*?<!-- \/bench -->/g;

/** The text with every marked block replaced by its generated content. */
export function regenerate(text: string, results: ResultsReader, source = "doc", blocks = BLOCKS): string {
  return text.replace(MARKED, (_, name: string) => {
    const found = blocks.find((b) => b.name === name);
    if (!found)
      throw new Error(
        `${source}: unknown bench block "${name}" (known: ${blocks.map((b) => b.name).join(", ")})`,
      );
    return `<!-- bench:${name} -->\n${found.render(results(found.file))}\n<!-- /bench -->`;
  });
}

/** The names of the blocks marked in a text, in order. */
export function markedBlocks(text: string): string[] {
  return [...text.matchAll(MARKED)].map((m) => m[1] as string);
}

/** The files that may hold blocks: docs/*.md and README.md, relative to the project. */
export function docFiles(projectDir = PROJECT_DIR): string[] {
  const docs = readdirSync(join(projectDir, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => join("docs", f));
  return ["README.md", ...docs.sort()];
}

/** Every doc with marked blocks: its text now and as generated. */
export function generatedDocs(results = resultsReader(), projectDir = PROJECT_DIR) {
  return docFiles(projectDir)
    .map((file) => {
      const current = readFileSync(join(projectDir, file), "utf8");
      return { file, current, generated: regenerate(current, results, file), blocks: markedBlocks(current) };
    })
    .filter((d) => d.blocks.length > 0);
}

if (require.main === module) {
  for (const doc of generatedDocs()) {
    if (doc.generated === doc.current) continue;
    writeFileSync(join(PROJECT_DIR, doc.file), doc.generated);
    process.stdout.write(`bench:docs: rewrote ${doc.blocks.length} block(s) in ${doc.file}\n`);
  }
}
