import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readStageFile } from "../../src/config";
import { lookalikeSkeleton } from "../../src/config/confusables";
import { tempDir } from "../rollout/fakes";

/**
 * A namespace that only looks like `ion-deploy:` (full-width letters, Cyrillic or Greek look-alikes,
 * Unicode dashes, zero-width characters) would be read as another namespace's key and ignored; it is
 * an error naming the fix and the characters that are not what they seem.
 */

function writeStage(text: string): string {
  const file = join(tempDir(), "Pulumi.x.yaml");
  writeFileSync(file, text);
  return file;
}

// Each written with escapes so the test says which characters it uses.
const LOOKALIKES: [string, string][] = [
  ["full-width letters", "\uff49\uff4f\uff4e-deploy:rollout"],
  [
    "full-width letters and colon",
    "\uff49\uff4f\uff4e\uff0d\uff44\uff45\uff50\uff4c\uff4f\uff59\uff1arollout",
  ],
  ["Cyrillic і, о", "\u0456\u043en-deploy:rollout"],
  ["Cyrillic е, р, о, у", "ion-d\u0435\u0440l\u043e\u0443:rollout"],
  ["Greek ο", "i\u03bfn-deploy:rollout"],
  ["a minus sign for the hyphen", "ion\u2212deploy:rollout"],
  ["a non-breaking hyphen", "ion\u2011deploy:rollout"],
  ["a zero-width space", "ion-\u200bdeploy:rollout"],
];

describe("a namespace of look-alike characters is an error naming the fix", () => {
  for (const [what, key] of LOOKALIKES) {
    it(what, () => {
      const file = writeStage(
        `config:\n  ion-deploy:platform: local\n  "${key}":\n    minRequestsPerStep: 500\n`,
      );
      expect(() => readStageFile("x", file)).toThrow(
        /misspelt namespace and would be ignored; write ion-deploy:rollout/,
      );
      expect(() => readStageFile("x", file)).toThrow(/U\+[0-9A-F]{4}/);
    });
  }

  it("other namespaces in other scripts stay allowed", () => {
    const file = writeStage(
      'config:\n  "\u043f\u0440\u043e\u0435\u043a\u0442:name": p\n  ion-deploy:platform: local\n',
    );
    expect(Object.keys(readStageFile("x", file).other)).toEqual([
      "\u043f\u0440\u043e\u0435\u043a\u0442:name",
    ]);
  });
});

describe("lookalikeSkeleton", () => {
  it("maps full-width, Cyrillic, Greek and dash look-alikes to ASCII and drops zero-width characters", () => {
    for (const [, key] of LOOKALIKES) expect(lookalikeSkeleton(key)).toBe("ion-deploy:rollout");
  });
});
