import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { CONFIG_NAMESPACE, ConfigError } from "./errors";
import { isSecureValue, parseStageConfig } from "./parse";
import type { StageConfig } from "./schema";
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

/** Reads `Pulumi.<stage>.yaml` (or an explicit file) without the Pulumi CLI. */
export function readStageFile(stage: string, file = stageFilePath(stage)): StageFile {
  if (!existsSync(file)) {
    throw new ConfigError(basename(file), [
      { path: "(file)", message: `no such file ${file}; create Pulumi.${stage}.yaml or pass --config FILE` },
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
  return { stage, path: file, raw, other };
}

export function loadStageConfig(stage: string, file?: string): StageConfig {
  const stageFile = readStageFile(stage, file);
  return parseStageConfig(stage, stageFile.raw, basename(stageFile.path));
}

export { isSecureValue };
