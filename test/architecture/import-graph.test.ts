import { readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, repoPath, sourceFiles } from "./sources";

/**
 * The import graph of src, rehearsal, bench and policies flows one way, with no cycle anywhere:
 *
 *   bench -> rehearsal -> (rehearsal app) + rollout edges / store
 *   cli -> rollout commands -> controller -> report / store / edges -> core -> signals -> config
 *   cli -> policies -> synth -> stack program -> aws / gcp / k8s -> dashboards -> signals -> config
 *
 * Every folder that holds a .ts file belongs to exactly one layer, so a new folder fails here until
 * it is declared. A layer may import its own folders and, transitively, the layers it `uses`.
 */

interface Layer {
  folders: string[];
  /** The layers directly below; theirs are allowed too. */
  uses: string[];
}

const LAYERS: Record<string, Layer> = {
  bench: { folders: ["bench"], uses: ["rehearsal"] },
  rehearsal: {
    folders: ["rehearsal", "rehearsal/cloud-monitoring"],
    uses: ["rehearsal app", "rollout edges", "rollout store"],
  },
  "rehearsal app": { folders: ["rehearsal/app"], uses: [] },
  cli: { folders: ["src/cli"], uses: ["rollout commands", "policies"] },
  policies: { folders: ["policies", "policies/readers"], uses: ["synth"] },
  synth: { folders: ["src/synth", "src/synth/mock-outputs"], uses: ["stack program"] },
  "stack program": { folders: ["src"], uses: ["aws", "gcp", "k8s"] },
  aws: { folders: ["src/aws"], uses: ["dashboards"] },
  gcp: { folders: ["src/gcp"], uses: ["dashboards"] },
  k8s: { folders: ["src/k8s"], uses: ["dashboards"] },
  dashboards: { folders: ["src/dashboards"], uses: ["signals"] },
  "rollout commands": { folders: ["src/rollout/commands"], uses: ["rollout controller", "rollout report"] },
  "rollout controller": { folders: ["src/rollout/controller"], uses: ["rollout edges", "rollout store"] },
  "rollout report": { folders: ["src/rollout/report"], uses: ["rollout core"] },
  "rollout store": { folders: ["src/rollout/store", "src/rollout/store/backends"], uses: ["rollout core"] },
  "rollout edges": {
    folders: [
      "src/rollout/edges",
      "src/rollout/edges/drivers",
      "src/rollout/edges/metrics",
      "src/rollout/edges/notify",
      "src/rollout/edges/probes",
    ],
    uses: ["rollout core"],
  },
  "rollout core": {
    folders: [
      "src/rollout/core",
      "src/rollout/core/analysis",
      "src/rollout/core/backtest",
      "src/rollout/core/evidence",
      "src/rollout/core/gate",
      "src/rollout/core/sample",
      "src/rollout/core/text",
      "src/rollout/core/trace",
    ],
    uses: ["signals"],
  },
  signals: { folders: ["src/signals"], uses: ["config"] },
  config: { folders: ["src/config"], uses: [] },
};

/**
 * Wrong-way imports allowed: none. An entry would say why and what removes it; the test fails
 * when one is gone too, so the entry is deleted with the import.
 */
const KNOWN_WRONG_WAY: Record<string, string> = {};

/** Provider SDKs declare cloud resources: only the stack code that declares them loads one. */
const PROVIDER_SDK = /(?:from|require\(|import\()\s*"@pulumi\/(?:aws|gcp|kubernetes|random)(?:\/[^"]*)?"/;
const PROVIDER_LAYERS = ["aws", "gcp", "k8s"];

function resolveImport(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, "index.ts"), base]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return undefined;
}

/** Relative imports between covered files (static, `import type`, re-exports and lazy `require`). */
function importGraph(files: string[]): Map<string, string[]> {
  const covered = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const specs = [...text.matchAll(/(?:from|require\(|import\()\s*"(\.{1,2}\/[^"]+)"/g)].map(
      (m) => m[1] ?? "",
    );
    const targets = specs
      .map((spec) => resolveImport(file, spec))
      .filter((t): t is string => !!t && covered.has(t));
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

/** The layer a repository path belongs to: the one declaring its folder; undefined when none does. */
function layerOf(path: string, layers = LAYERS): string | undefined {
  const folder = dirname(path);
  return Object.keys(layers).find((name) => layers[name]?.folders.includes(folder));
}

/** The layers `name` may import: itself and everything it uses, transitively. */
function reachable(name: string, layers: Record<string, Layer>, seen = new Set<string>()): Set<string> {
  for (const next of layers[name]?.uses ?? []) {
    if (seen.has(next)) continue;
    seen.add(next);
    reachable(next, layers, seen);
  }
  return seen;
}

/** Imports (as repository paths "a -> b") from a layer to one it does not use. */
function wrongWayImports(graph: Map<string, string[]>, layers = LAYERS): string[] {
  const wrong: string[] = [];
  for (const [from, targets] of graph) {
    const a = layerOf(repoPath(from), layers);
    if (!a) continue;
    const allowed = reachable(a, layers).add(a);
    for (const to of targets) {
      const b = layerOf(repoPath(to), layers);
      if (b && !allowed.has(b)) wrong.push(`${repoPath(from)} -> ${repoPath(to)}`);
    }
  }
  return wrong;
}

/** Folders holding covered files that no layer declares. */
function undeclaredFolders(paths: string[], layers = LAYERS): string[] {
  return [...new Set(paths.filter((path) => !layerOf(path, layers)).map((path) => dirname(path)))];
}

describe("the import graph of src, rehearsal, bench and policies", () => {
  const files = sourceFiles();
  const graph = importGraph(files);

  it("declares every folder in exactly one layer, and the layers form no cycle", () => {
    expect(undeclaredFolders(files.map(repoPath))).toEqual([]);
    const declared = Object.values(LAYERS).flatMap((layer) => layer.folders);
    expect(declared.length).toBe(new Set(declared).size);
    const cyclic = Object.keys(LAYERS).filter((name) => reachable(name, LAYERS).has(name));
    expect(cyclic).toEqual([]);
    const unknownUses = Object.values(LAYERS).flatMap((layer) => layer.uses.filter((use) => !LAYERS[use]));
    expect(unknownUses).toEqual([]);
  });

  it("has no cycle", () => {
    expect(findCycle(graph)?.map(repoPath)).toBeUndefined();
  });

  it("flows one way: every import goes to the file's own layer or one it uses", () => {
    const wrong = wrongWayImports(graph);
    expect(wrong.filter((edge) => !(edge in KNOWN_WRONG_WAY))).toEqual([]);
    // A known exception whose import is gone is deleted here too.
    expect(Object.keys(KNOWN_WRONG_WAY).filter((edge) => !wrong.includes(edge))).toEqual([]);
  });

  it("loads the cloud provider SDKs only in the stack code of aws, gcp and k8s", () => {
    const loaders = files
      .filter((file) => PROVIDER_SDK.test(readFileSync(file, "utf8")))
      .map(repoPath)
      .filter((path) => !PROVIDER_LAYERS.includes(layerOf(path) ?? ""));
    expect(loaders).toEqual([]);
  });

  it("keeps the rollout core pure: no node:, process, Date.now or setTimeout", () => {
    const impure = files
      .filter((file) => layerOf(repoPath(file)) === "rollout core")
      .filter((file) => /from "node:|\bprocess\.|Date\.now|setTimeout/.test(readFileSync(file, "utf8")))
      .map(repoPath);
    expect(impure).toEqual([]);
  });

  it("the checks catch what they are for (a cycle, an upward import, signals -> gcp, a new folder)", () => {
    const at = (path: string) => join(REPO, path);
    const a = at("src/rollout/core/a.ts");
    const b = at("src/rollout/core/b.ts");
    const loop = new Map([
      [a, [b]],
      [b, [a]],
    ]);
    expect(findCycle(loop)).toEqual([a, b, a]);
    const upward = new Map([[a, [at("src/rollout/controller/x.ts")]]]);
    expect(wrongWayImports(upward)).toEqual(["src/rollout/core/a.ts -> src/rollout/controller/x.ts"]);
    const sideways = new Map([[at("src/rollout/edges/y.ts"), [at("src/rollout/store/z.ts")]]]);
    expect(wrongWayImports(sideways)).toHaveLength(1);
    const platform = new Map([[at("src/signals/rules.ts"), [at("src/gcp/traffic.ts")]]]);
    expect(wrongWayImports(platform)).toEqual(["src/signals/rules.ts -> src/gcp/traffic.ts"]);
    const runnerLoadsStack = new Map([[at("src/rollout/edges/x.ts"), [at("src/aws/stage.ts")]]]);
    expect(wrongWayImports(runnerLoadsStack)).toHaveLength(1);
    expect(undeclaredFolders(["src/rollout/core/undeclared/levels.ts", "src/config/index.ts"])).toEqual([
      "src/rollout/core/undeclared",
    ]);
    const cycleOfLayers = { x: { folders: ["x"], uses: ["y"] }, y: { folders: ["y"], uses: ["x"] } };
    expect(reachable("x", cycleOfLayers).has("x")).toBe(true);
  });
});
