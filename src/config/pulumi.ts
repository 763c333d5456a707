import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE } from "./errors";
import { parseStageConfig } from "./parse";
import { SECRET_KEYS, type SecretKey, STAGE_KEYS, type StageConfig } from "./schema";
import { decodeConfigValue } from "./value";

/** The stage config of the running stack, validated before any resource is declared. */
export function stageConfigFromPulumi(): StageConfig {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const raw: Record<string, unknown> = {};
  for (const key of STAGE_KEYS) {
    const text = config.get(key);
    if (text !== undefined) raw[key] = decodeConfigValue(text);
  }
  // Keys the schema does not know are passed on too, so a misspelt top-level key is rejected
  // (with a did-you-mean) instead of silently ignored. Secrets stay out: they are read as secrets.
  for (const [fullKey, text] of Object.entries(pulumi.runtime.allConfig())) {
    const key = fullKey.startsWith(`${CONFIG_NAMESPACE}:`) ? fullKey.slice(CONFIG_NAMESPACE.length + 1) : "";
    if (key && !(key in raw) && !STAGE_KEYS.includes(key) && !SECRET_KEYS.includes(key as SecretKey)) {
      raw[key] = decodeConfigValue(text);
    }
  }
  const stage = pulumi.getStack();
  return parseStageConfig(stage, raw, `stack ${stage}`);
}

/** A secret key's value as a secret Output, or undefined when it is not set. */
export function stageSecret(key: SecretKey): pulumi.Output<string> | undefined {
  if (!SECRET_KEYS.includes(key)) throw new Error(`${key} is not a secret config key`);
  return new pulumi.Config(CONFIG_NAMESPACE).getSecret(key);
}
