import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";

/** The code the architecture tests cover: the product (src), its rehearsal, the bench and the policy pack. */
export const REPO = resolve(__dirname, "../..");
export const ROOTS = ["src", "rehearsal", "bench", "policies"];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === "node_modules" || name === "dist") return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

let files: string[] | undefined;

/** Absolute paths of every .ts file under the covered roots. */
export function sourceFiles(): string[] {
  files ??= ROOTS.flatMap((root) => walk(join(REPO, root)));
  return files;
}

/** A path relative to the repository, with forward slashes: `src/rollout/core/plan.ts`. */
export function repoPath(file: string): string {
  return relative(REPO, file).split("\\").join("/");
}

const parsed = new Map<string, ts.SourceFile>();

/** The file's syntax tree (no type checking: parsing all of src costs well under a second). */
export function syntaxOf(file: string): ts.SourceFile {
  let tree = parsed.get(file);
  if (!tree) {
    tree = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    parsed.set(file, tree);
  }
  return tree;
}

/** A syntax tree of `text`, for the tests that show a rule catches a planted file. */
export function syntaxOfText(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
}

/** Every node of `tree`, depth first. */
export function* nodesOf(tree: ts.Node): Generator<ts.Node> {
  const stack: ts.Node[] = [tree];
  while (stack.length > 0) {
    const node = stack.pop() as ts.Node;
    yield node;
    const children: ts.Node[] = [];
    ts.forEachChild(node, (child) => {
      children.push(child);
    });
    stack.push(...children.reverse());
  }
}
