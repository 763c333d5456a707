import { CONFIG_NAMESPACE } from "../../../config";
import type { TrafficChange } from "../types";

/** The stack config keys a rollout step writes, with the values it writes. */
export function rolloutConfigValues(change: TrafficChange): Record<string, unknown> {
  return {
    [`${CONFIG_NAMESPACE}:canaryWeight`]: change.canaryWeight,
    [`${CONFIG_NAMESPACE}:releases`]: {
      stable: { ...change.releases.stable },
      canary: { ...change.releases.canary },
    },
    [`${CONFIG_NAMESPACE}:rolloutInProgress`]: change.rolloutInProgress,
    [`${CONFIG_NAMESPACE}:oldSideRetired`]: change.oldSideRetired ?? false,
  };
}

/**
 * The input of `stack.setAllConfigJson` (`pulumi config set-all --json`, the format of
 * `pulumi config --json`). `objectValue` makes the CLI store typed YAML (a number, a boolean, a map)
 * instead of the quoted string a top-level `pulumi config set` writes, so `Pulumi.<stage>.yaml`
 * stays valid for ion-deploy's own file reader and reads the same after the promoted file is
 * committed back.
 */
export function rolloutConfigJson(change: TrafficChange): string {
  const entries = Object.entries(rolloutConfigValues(change)).map(([key, value]) => [
    key,
    { value: JSON.stringify(value), objectValue: value, secret: false },
  ]);
  return JSON.stringify(Object.fromEntries(entries));
}

/** A config value as `getAllConfig` returns it (a string), read back to what it encodes. */
export function decodeConfigValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
