import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { lookalikeSkeleton, nonAsciiCharacters } from "./confusables";
import { CONFIG_NAMESPACE, ConfigError, type ConfigIssue } from "./errors";
import { isSecureValue, parseStageConfig } from "./parse";
import { STAGE_NAME, STAGE_NAME_RULE } from "./patterns";
import type { StageConfig } from "./schema";
import { editDistance } from "./unknown-keys";
import { decodeConfigValue } from "./value";

export interface StageFile {
  stage: string;
  path: string;
  /** `ion-deploy:*` keys with the namespace stripped; secure values stay `{ secure }`. */
  raw: Record<string, unknown>;
  /** Keys of other namespaces (`gcp:project`, ...), as written. */
  other: Record<string, unknown>;
}

export function stageFilePath(stage: string, projectDir = process.cwd()): string {
  return join(projectDir, `Pulumi.${stage}.yaml`);
}

/** The stages with a stack config file in `dir` (`Pulumi.<stage>.yaml`), sorted. */
export function stagesIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => /^Pulumi\.(.+)\.yaml$/.exec(name)?.[1])
    .filter((stage): stage is string => stage !== undefined && STAGE_NAME.test(stage))
    .sort();
}

/** Why a config path cannot be read as a file (missing, a directory, a socket...), or undefined. */
function notAReadableFile(file: string): string | undefined {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT"
      ? `no such file ${file}`
      : `cannot read ${file} (${code ?? (error as Error).message})`;
  }
  if (stats.isDirectory()) return `${file} is a directory, not a stack config file`;
  if (!stats.isFile()) return `${file} is not a regular file`;
  return undefined;
}

/** Reads `Pulumi.<stage>.yaml` (or an explicit file) without the Pulumi CLI. */
export function readStageFile(stage: string, file = stageFilePath(stage)): StageFile {
  if (!STAGE_NAME.test(stage)) {
    throw new ConfigError(basename(file), [
      {
        path: "stage",
        message: `invalid stage name ${JSON.stringify(stage)}: stage names are ${STAGE_NAME_RULE}`,
      },
    ]);
  }
  const problem = notAReadableFile(file);
  if (problem) {
    const known = file === stageFilePath(stage, dirname(file)) ? stagesIn(dirname(file)) : [];
    const stages = known.length > 0 ? `; the stages here are ${known.join(", ")}` : "";
    throw new ConfigError(basename(file), [
      { path: "(file)", message: `${problem}${stages}; create Pulumi.${stage}.yaml or pass --config FILE` },
    ]);
  }
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError(basename(file), [
      { path: "(file)", message: `not valid YAML: ${(error as Error).message}` },
    ]);
  }
  const config = (document as { config?: unknown } | null)?.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new ConfigError(basename(file), [
      { path: "(file)", message: "the top-level `config:` must be a map" },
    ]);
  }
  const raw: Record<string, unknown> = {};
  const other: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith(`${CONFIG_NAMESPACE}:`))
      raw[key.slice(CONFIG_NAMESPACE.length + 1)] = decodeConfigValue(value);
    else other[key] = value;
  }
  const misspelt = Object.keys(other).flatMap((key) => namespaceTypo(key));
  if (misspelt.length > 0) throw new ConfigError(basename(file), misspelt);
  return { stage, path: file, raw, other };
}

/**
 * A top-level key whose namespace looks like ours but is not (`ion-depoly:rollout`,
 * `ion_deploy:rollout`, `ion-deploy-:rollout`, `ion-deploy.rollout`, `ｉｏｎ-deploy:rollout` in
 * full-width letters, `іоn-deploy:` with Cyrillic letters) would otherwise be ignored silently, as
 * another namespace's key. Near means, once look-alike characters are read as the ASCII they imitate
 * (confusables.ts), an edit distance of at most 2, or the same letters with other separators.
 */
function namespaceTypo(key: string): ConfigIssue[] {
  const seen = lookalikeSkeleton(key);
  const colon = seen.indexOf(":");
  const namespace = colon < 0 ? seen : seen.slice(0, colon);
  const letters = (text: string) => text.replace(/[^a-z0-9]/g, "");
  const near =
    editDistance(namespace, CONFIG_NAMESPACE) <= 2 ||
    letters(namespace) === letters(CONFIG_NAMESPACE) ||
    (colon < 0 && letters(seen).startsWith(letters(CONFIG_NAMESPACE)));
  if (!near || key.startsWith(`${CONFIG_NAMESPACE}:`)) return [];
  const rest =
    colon < 0 ? seen.slice(CONFIG_NAMESPACE.length).replace(/^[^a-z0-9]+/, "") : seen.slice(colon + 1);
  const odd = nonAsciiCharacters(key);
  const why = odd.length > 0 ? ` (it holds characters that only look like ASCII: ${odd.join(", ")})` : "";
  return [
    {
      path: `(file) ${key}`,
      message: `looks like a misspelt namespace and would be ignored; write ${CONFIG_NAMESPACE}:${rest || "<key>"}${why}`,
    },
  ];
}

export function loadStageConfig(stage: string, file?: string): StageConfig {
  const stageFile = readStageFile(stage, file);
  return parseStageConfig(stage, stageFile.raw, basename(stageFile.path));
}

export { isSecureValue };
