/** Loose readers for resource properties: policies see plain JSON, never the SDK's typed args. */
export type Props = Record<string, unknown>;

export function record(value: unknown): Props {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Props) : {};
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function records(value: unknown): Props[] {
  return list(value).map(record);
}

export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Numbers, and numeric strings (Kubernetes and some providers pass numbers as strings). */
export function num(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/** Booleans, and "true"/"false" strings. */
export function bool(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  return undefined;
}

/** Every string anywhere inside a value (references to other resources hide in nested inputs). */
export function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(strings);
  return [];
}
