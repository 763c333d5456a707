/** The marker Pulumi's serializer wraps secret values in. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

function isWrappedSecret(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/**
 * Unwraps secret markers from mocked inputs, recording where they were (dotted paths), so a
 * rendered resource shows plain values and says which of them are secret.
 */
export function unwrapSecrets(value: unknown, path: string, secretPaths: string[]): unknown {
  if (isWrappedSecret(value)) {
    secretPaths.push(path || "(root)");
    return unwrapSecrets(value.value, path, []);
  }
  if (Array.isArray(value))
    return value.map((item, index) => unwrapSecrets(item, `${path}[${index}]`, secretPaths));
  if (typeof value === "object" && value !== null) {
    const result: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      result[key] = unwrapSecrets(inner, path ? `${path}.${key}` : key, secretPaths);
    }
    return result;
  }
  return value;
}

/** Replaces the values at secret paths with a placeholder, for printing. */
export function redact(value: unknown, secretPaths: string[], path = ""): unknown {
  if (secretPaths.includes(path || "(root)")) return "[secret]";
  if (Array.isArray(value)) return value.map((item, index) => redact(item, secretPaths, `${path}[${index}]`));
  if (typeof value === "object" && value !== null) {
    const result: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value))
      result[key] = redact(inner, secretPaths, path ? `${path}.${key}` : key);
    return result;
  }
  return value;
}
