import type { ConfigIssue } from "./errors";
import { StageConfigSchema } from "./schema";

interface SchemaDef {
  type: string;
  shape?: Record<string, { _zod: { def: SchemaDef } }>;
  innerType?: { _zod: { def: SchemaDef } };
  element?: { _zod: { def: SchemaDef } };
  options?: { _zod: { def: SchemaDef } }[];
}

function defOf(schema: unknown): SchemaDef {
  return (schema as { _zod: { def: SchemaDef } })._zod.def;
}

/** The keys the schema allows at a path (`[]` = top level), through defaults, optionals and unions. */
function knownKeysAt(path: PropertyKey[]): string[] {
  let defs = [defOf(StageConfigSchema)];
  const unwrap = (def: SchemaDef): SchemaDef[] => {
    if (def.innerType) return unwrap(defOf(def.innerType));
    if (def.options) return def.options.flatMap((option) => unwrap(defOf(option)));
    return [def];
  };
  for (const segment of path) {
    defs = defs.flatMap(unwrap).flatMap((def) => {
      if (typeof segment === "number" && def.element) return [defOf(def.element)];
      const child = def.shape?.[String(segment)];
      return child ? [defOf(child)] : [];
    });
  }
  return [...new Set(defs.flatMap(unwrap).flatMap((def) => Object.keys(def.shape ?? {})))];
}

export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * One issue per unknown key, at the key's own path, with the closest allowed key when it looks
 * like a typo (`canaryWieght` → `canaryWeight`).
 */
export function unknownKeyIssues(path: PropertyKey[], keys: string[]): ConfigIssue[] {
  const known = knownKeysAt(path).filter((key) => key !== "stage");
  return keys.map((key) => {
    const closest = known
      .map((candidate) => ({
        candidate,
        distance: editDistance(key.toLowerCase(), candidate.toLowerCase()),
      }))
      .sort((a, b) => a.distance - b.distance)[0];
    const hint =
      closest && closest.distance <= Math.max(2, Math.floor(key.length / 3))
        ? `did you mean "${closest.candidate}"?`
        : `allowed here: ${known.join(", ")}`;
    return { path: [...path, key].map(String).join("."), message: `unknown key; ${hint}` };
  });
}
