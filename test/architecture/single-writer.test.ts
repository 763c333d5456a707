import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { REPO, repoPath, sourceFiles, syntaxOf, syntaxOfText } from "./sources";

/**
 * The rollout controller is the only writer of rollout state and of the served split. Outside
 * src/rollout/controller/controller.ts no file calls the rollout records' writers
 * (store/rollout-records.ts), applies a split through a traffic driver, or calls the controller's
 * `save`; inside it, every method that writes is private, so callers can only name a transition
 * (`begin`, `revertBecause`, `abortBy`, ...). A second writer fails here, not in review.
 */

const CONTROLLER = "src/rollout/controller/controller.ts";
/** Where the writers are defined (their own bodies are no second writer). */
const RECORDS = "src/rollout/store/rollout-records.ts";

/** The records' methods that change a rollout's state or journal. */
const STORE_WRITERS = ["writeState", "keepAside", "appendRecord"];

/**
 * Writes outside the controller that exist today, each with why and what removes it. The test
 * fails when one of them is gone, so the entry is deleted with the write.
 */
const KNOWN_WRITERS: Record<string, string> = {
  // TODO(lead): the abort's state recovery moves into the controller (or the store's read path).
  "src/rollout/commands/operator.ts: calls keepAside of the records":
    "after its revert, an abort keeps a copy of the unreadable state it found (the controller recorded a fresh one)",
  "rehearsal/environment.ts: applies a split through a driver":
    "the rehearsal plays the platform: after a promotion it makes the promoted release the stable one",
  "bench/live.ts: applies a split through a driver": "each bench run starts from canary 0%, with no rollout",
  "bench/revert-latency.ts: applies a split through a driver":
    "the bench times the driver's revert against the API fakes, with no rollout",
};

/** `records.writeState(...)`, `x.appendRecord(...)`: one of the records' writers, on any object. */
function recordsWriter(call: ts.CallExpression): string | undefined {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  return STORE_WRITERS.includes(callee.name.text) ? callee.name.text : undefined;
}

/** `x.apply({...})` or `driver.apply(...)`: a traffic split applied (Pulumi's `Output.apply` takes a function). */
function appliesSplit(call: ts.CallExpression, tree: ts.SourceFile): boolean {
  if (!ts.isPropertyAccessExpression(call.expression) || call.expression.name.text !== "apply") return false;
  const first = call.arguments[0];
  return (
    (first !== undefined && ts.isObjectLiteralExpression(first)) ||
    /driver$/i.test(call.expression.expression.getText(tree))
  );
}

/** `x.save(...)` on anything but `this`: the controller saves only from inside. */
function callsSave(call: ts.CallExpression): boolean {
  return (
    ts.isPropertyAccessExpression(call.expression) &&
    call.expression.name.text === "save" &&
    call.expression.expression.kind !== ts.SyntaxKind.ThisKeyword
  );
}

/** What `path` writes that only the controller may, as "path: what" lines. */
function writesOutsideController(tree: ts.SourceFile, path: string): string[] {
  const outside = path !== CONTROLLER;
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node)) {
      const writer = outside && path !== RECORDS ? recordsWriter(node) : undefined;
      if (writer) found.push(`calls ${writer} of the records`);
      if (outside && appliesSplit(node, tree)) found.push("applies a split through a driver");
      if (callsSave(node)) found.push("calls the controller's save");
    }
    ts.forEachChild(node, visit);
  };
  visit(tree);
  return [...new Set(found)].map((what) => `${path}: ${what}`);
}

/** The calls that write: the store's writers, and the driver's apply. */
function writesDirectly(node: ts.Node, tree: ts.SourceFile): boolean {
  let found = false;
  const visit = (child: ts.Node) => {
    if (ts.isCallExpression(child)) {
      if (recordsWriter(child)) found = true;
      if (appliesSplit(child, tree)) found = true;
    }
    if (!found) ts.forEachChild(child, visit);
  };
  visit(node);
  return found;
}

/** The controller's methods that write and are not private: "Class.method" lines. */
function publicWriters(tree: ts.SourceFile): string[] {
  const found: string[] = [];
  for (const statement of tree.statements) {
    if (!ts.isClassDeclaration(statement)) continue;
    for (const member of statement.members) {
      if (!ts.isMethodDeclaration(member) || !member.body) continue;
      const isPrivate = ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Private;
      if (!isPrivate && writesDirectly(member.body, tree))
        found.push(`${statement.name?.text}.${member.name.getText(tree)}`);
    }
  }
  return found;
}

describe("the controller's writes are private: callers name a transition", () => {
  it("no public method of the controller writes state, the journal or the split itself", () => {
    expect(publicWriters(syntaxOf(join(REPO, CONTROLLER)))).toEqual([]);
  });

  it("the check catches a public save and a public apply", () => {
    const planted = syntaxOfText(
      CONTROLLER,
      [
        "export class RolloutController {",
        "  save(patch) { this.deps.records.writeState(patch); }",
        "  private persist(state) { this.deps.records.writeState(state); }",
        "  async step(w) { await this.deps.driver.apply({ canaryWeight: w }); }",
        "  begin() { this.persist({}); }",
        "}",
      ].join("\n"),
    );
    expect(publicWriters(planted)).toEqual(["RolloutController.save", "RolloutController.step"]);
  });
});

describe("the rollout controller is the only writer", () => {
  const writes = sourceFiles().flatMap((file) => writesOutsideController(syntaxOf(file), repoPath(file)));

  it("no file outside the controller writes rollout state, the journal or the served split", () => {
    expect(writes.filter((write) => !(write in KNOWN_WRITERS))).toEqual([]);
    // A known writer that is gone is deleted here too.
    expect(Object.keys(KNOWN_WRITERS).filter((write) => !writes.includes(write))).toEqual([]);
  });

  it("the check catches a second writer (store writers, a driver's apply, the controller's save)", () => {
    const path = "src/rollout/commands/second-writer.ts";
    const planted = syntaxOfText(
      path,
      [
        "export async function act(driver: TrafficDriver, controller: RolloutController, records: RolloutRecords) {",
        "  await records.writeState(state);",
        '  await records.appendRecord("id", record);',
        '  await records.keepAside("text", 0);',
        '  await driver.apply({ canaryWeight: 0, reason: "second writer" });',
        "  controller.save({});",
        "}",
      ].join("\n"),
    );
    expect(writesOutsideController(planted, path)).toEqual([
      `${path}: calls writeState of the records`,
      `${path}: calls appendRecord of the records`,
      `${path}: calls keepAside of the records`,
      `${path}: applies a split through a driver`,
      `${path}: calls the controller's save`,
    ]);
    const stack = syntaxOfText("src/gcp/x.ts", "const w = service.traffics.apply((t) => t.length);");
    expect(writesOutsideController(stack, "src/gcp/x.ts")).toEqual([]);
    // Beside the controller, in its own folder, is outside it too.
    const runner = "src/rollout/controller/runner.ts";
    const beside = syntaxOfText(runner, "const w = () => options.records.appendRecord(id, record);");
    expect(writesOutsideController(beside, runner)).toEqual([`${runner}: calls appendRecord of the records`]);
  });
});
