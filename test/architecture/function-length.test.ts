import ts from "typescript";
import { describe, expect, it } from "vitest";
import { repoPath, sourceFiles, syntaxOf, syntaxOfText } from "./sources";

/**
 * Functions stay short enough to read at once: at most 60 lines in src/rollout and 100 anywhere else
 * in src (Pulumi component constructors included). Lines are counted on the syntax tree, from the
 * function's first token (after its doc comment) to its closing brace.
 */

const LIMITS: [prefix: string, lines: number][] = [
  ["src/rollout/", 60],
  ["src/", 100],
];

/**
 * Functions over their limit today, left to whoever restructures their module. The test fails when
 * one of them is back under the limit, so the entry is deleted with the split.
 */
const TOO_LONG_TODAY = new Set<string>([]);

function nameOf(node: ts.FunctionLikeDeclaration, tree: ts.SourceFile): string {
  const owner = (n: ts.Node): string => {
    for (let up = n.parent; up; up = up.parent) {
      if (ts.isClassLike(up)) return up.name?.text ?? "<class>";
    }
    return "<class>";
  };
  if (ts.isConstructorDeclaration(node)) return `${owner(node)}.constructor`;
  if (ts.isMethodDeclaration(node) || ts.isAccessor(node)) return `${owner(node)}.${node.name.getText(tree)}`;
  if (node.name) return node.name.getText(tree);
  const holder = node.parent;
  if (ts.isVariableDeclaration(holder) || ts.isPropertyAssignment(holder)) return holder.name.getText(tree);
  const line = tree.getLineAndCharacterOfPosition(node.getStart(tree)).line + 1;
  return `<function at line ${line}>`;
}

function limitOf(path: string): number | undefined {
  return LIMITS.find(([prefix]) => path.startsWith(prefix))?.[1];
}

/** "path name (N lines > limit)" for each function of `tree` over its folder's limit. */
function tooLong(tree: ts.SourceFile, path: string): { key: string; detail: string }[] {
  const limit = limitOf(path);
  if (limit === undefined) return [];
  const found: { key: string; detail: string }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = tree.getLineAndCharacterOfPosition(node.getStart(tree)).line;
      const last = tree.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      const key = `${path} ${nameOf(node as ts.FunctionLikeDeclaration, tree)}`;
      if (lines > limit) found.push({ key, detail: `${key} (${lines} lines > ${limit})` });
    }
    ts.forEachChild(node, visit);
  };
  visit(tree);
  return found;
}

describe("function length", () => {
  const long = sourceFiles().flatMap((file) => tooLong(syntaxOf(file), repoPath(file)));

  it("no function in src/rollout exceeds 60 lines, none in src exceeds 100", () => {
    expect(long.filter(({ key }) => !TOO_LONG_TODAY.has(key)).map(({ detail }) => detail)).toEqual([]);
    // A function split below its limit leaves the list.
    const keys = new Set(long.map(({ key }) => key));
    expect([...TOO_LONG_TODAY].filter((key) => !keys.has(key))).toEqual([]);
  });

  it("the check counts what it is for (a method over 60 in src/rollout, a constructor over 100 in src)", () => {
    const body = (n: number) => Array.from({ length: n - 2 }, (_, i) => `    const v${i} = ${i};`).join("\n");
    const rollout = syntaxOfText("src/rollout/x.ts", `class Step {\n  run() {\n${body(61)}\n  }\n}`);
    expect(tooLong(rollout, "src/rollout/x.ts").map(({ detail }) => detail)).toEqual([
      "src/rollout/x.ts Step.run (61 lines > 60)",
    ]);
    const atLimit = syntaxOfText("src/rollout/x.ts", `const run = () => {\n${body(60)}\n};`);
    expect(tooLong(atLimit, "src/rollout/x.ts")).toEqual([]);
    const stack = syntaxOfText("src/gcp/x.ts", `class Lb {\n  constructor() {\n${body(101)}\n  }\n}`);
    expect(tooLong(stack, "src/gcp/x.ts").map(({ detail }) => detail)).toEqual([
      "src/gcp/x.ts Lb.constructor (101 lines > 100)",
    ]);
  });
});
