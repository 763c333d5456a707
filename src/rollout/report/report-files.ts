import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DecisionRecord } from "../core/record";
import type { RolloutState } from "../core/state";
import { redactSecrets, secretValues } from "../core/text/redact";
import { terminalSafe } from "../core/text/sanitise";
import { htmlReport, markdownReport } from "./report";

export interface WrittenReport {
  markdown: string;
  html: string;
  stepSummary?: string;
}

/**
 * Writes `<dir>/<stage>-<id>.md` and `.html`, and appends the Markdown to `$GITHUB_STEP_SUMMARY`
 * when set; the secrets of `env` are redacted from all three.
 */
export function writeReports(
  dir: string,
  state: RolloutState,
  records: DecisionRecord[],
  env: Record<string, string | undefined> = process.env,
): WrittenReport {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${state.stage}-${state.id.replace(/[^A-Za-z0-9_.-]/g, "-")}`);
  // Reports are read in terminals and CI logs too: no control characters, no secrets.
  const secrets = secretValues(env);
  const safe = (text: string) => redactSecrets(terminalSafe(text), secrets);
  const md = safe(markdownReport({ state, records }));
  writeFileSync(`${base}.md`, md);
  writeFileSync(`${base}.html`, safe(htmlReport({ state, records })));
  const written: WrittenReport = { markdown: `${base}.md`, html: `${base}.html` };
  const summary = env.GITHUB_STEP_SUMMARY;
  if (summary) {
    appendFileSync(summary, `${md}\n`);
    written.stepSummary = summary;
  }
  return written;
}
