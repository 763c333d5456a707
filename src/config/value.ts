/**
 * A config value as the Pulumi engine hands it to a program: `pulumi config set key 10` stores the
 * string "10", and objects arrive as JSON text. Both readers (the stack program and the CLIs that
 * read `Pulumi.<stage>.yaml`) decode strings this way, so they agree on every value.
 */
export function decodeConfigValue(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
