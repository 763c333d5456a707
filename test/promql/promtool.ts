import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";

/** The real Prometheus rule engine's CLI; CI installs it with the Debian package. */
export const PROMTOOL = process.env.PROMTOOL ?? "promtool";

export interface PromtoolResult {
  code: number;
  output: string;
}

function missing(detail: string): Error {
  return new Error(
    `promtool is not installed (${detail}); the PromQL rules cannot be verified. Install it: apt-get install -y prometheus`,
  );
}

/** Fails loudly (never skips) when promtool is missing: the rules would go unverified. */
export function requirePromtool(): string {
  const probe = spawnSync(PROMTOOL, ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) throw missing(probe.error?.message ?? probe.stderr);
  return probe.stdout || probe.stderr;
}

/**
 * Writes `files` (objects become YAML) into a fresh temp dir, runs `promtool <args>` there and
 * removes the dir.
 */
export function promtool(args: string[], files: Record<string, unknown>): PromtoolResult {
  const dir = mkdtempSync(join(tmpdir(), "ion-promtool-"));
  try {
    for (const [name, content] of Object.entries(files)) {
      writeFileSync(join(dir, name), typeof content === "string" ? content : stringify(content));
    }
    const run = spawnSync(PROMTOOL, args, { cwd: dir, encoding: "utf8", timeout: 30_000 });
    if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT")
      throw missing(run.error?.message ?? "");
    if (run.error) throw run.error;
    return { code: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
