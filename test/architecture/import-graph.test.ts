import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The import graph of src/ flows one way: cli -> commands -> controller -> core / store / edges /
 * report -> signals -> config, with no cycle anywhere. A test, so a wrong-way import fails CI.
 */

const SRC = resolve(__dirname, "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

function resolveImport(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, "index.ts"), base]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return undefined;
}

/** Relative imports of src/ files (static, `import type`, re-exports and lazy `require`). */
function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const specs = [...text.matchAll(/(?:from|require\(|import\()\s*"(\.{1,2}\/[^"]+)"/g)].map(
      (m) => m[1] ?? "",
    );
    const targets = specs
      .map((spec) => resolveImport(file, spec))
      .filter((t): t is string => !!t && t.startsWith(SRC));
    graph.set(file, targets);
  }
  return graph;
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "open") return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Layer of a file: higher layers may import lower ones, never the reverse. */
const LAYERS: [prefix: string, rank: number][] = [
  ["cli/", 6],
  ["rollout/commands/", 5],
  ["rollout/controller/", 4],
  ["rollout/report/", 3],
  ["rollout/store/", 3],
  ["rollout/edges/", 3],
  ["rollout/core/", 2],
  ["signals/", 1],
  ["config/", 0],
];

function layerOf(file: string): [string, number] | undefined {
  const rel = relative(SRC, file);
  return LAYERS.find(([prefix]) => rel.startsWith(prefix));
}

/** Imports that go up a layer, or sideways between the rollout's edges, store, report and core. */
function wrongWayImports(graph: Map<string, string[]>): string[] {
  const wrong: string[] = [];
  for (const [from, targets] of graph) {
    const a = layerOf(from);
    for (const to of targets) {
      const b = layerOf(to);
      if (!a || !b || a[0] === b[0]) continue;
      const sideways = a[1] === b[1];
      if (b[1] > a[1] || sideways) wrong.push(`${relative(SRC, from)} -> ${relative(SRC, to)}`);
    }
  }
  return wrong;
}

describe("the import graph of src/", () => {
  const graph = importGraph(sourceFiles(SRC));

  it("has no cycle", () => {
    expect(findCycle(graph)?.map((f) => relative(SRC, f))).toBeUndefined();
  });

  it("flows one way: cli -> commands -> controller -> core/store/edges/report -> signals -> config", () => {
    expect(wrongWayImports(graph)).toEqual([]);
  });

  it("keeps the rollout core pure: no node:, process, Date.now or setTimeout", () => {
    const impure = [...graph.keys()]
      .filter((file) => relative(SRC, file).startsWith("rollout/core/"))
      .filter((file) => /from "node:|\bprocess\.|Date\.now|setTimeout/.test(readFileSync(file, "utf8")))
      .map((file) => relative(SRC, file));
    expect(impure).toEqual([]);
  });

  it("the checks catch what they are for (a cycle, an upward import)", () => {
    const a = join(SRC, "rollout/core/a.ts");
    const b = join(SRC, "rollout/core/b.ts");
    expect(
      findCycle(
        new Map([
          [a, [b]],
          [b, [a]],
        ]),
      ),
    ).toEqual([a, b, a]);
    const controller = join(SRC, "rollout/controller/x.ts");
    expect(wrongWayImports(new Map([[a, [controller]]]))).toEqual([
      "rollout/core/a.ts -> rollout/controller/x.ts",
    ]);
    const edge = join(SRC, "rollout/edges/y.ts");
    expect(wrongWayImports(new Map([[edge, [join(SRC, "rollout/store/z.ts")]]]))).toHaveLength(1);
  });
});
