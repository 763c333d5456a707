/**
 * The keys every store accepts, checked the same way for each backend so a stage moved from the
 * local directory to a bucket (or back) names its objects the same: slash-separated segments,
 * none empty, none starting with "." (the local directory keeps its temp and mutex files under
 * such names), no control characters, and at most 1,024 bytes of UTF-8 (the GCS and S3 limit).
 */

const MAX_KEY_BYTES = 1024;

/** Why `key` cannot name an object; undefined when it can. */
export function objectKeyProblem(key: string): string | undefined {
  if (key === "") return "a key is not empty";
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES)
    return `a key is at most ${MAX_KEY_BYTES} bytes of UTF-8`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  if (/[\u0000-\u001f\u007f]/.test(key)) return "a key holds no control characters";
  for (const segment of key.split("/")) {
    if (segment === "") return 'a key has no empty segment (no leading, trailing or doubled "/")';
    if (segment.startsWith("."))
      return 'no segment of a key starts with "." (reserved for the store\'s own files)';
  }
  return undefined;
}

/** Throws when `key` cannot name an object. */
export function checkObjectKey(key: string): void {
  const problem = objectKeyProblem(key);
  if (problem) throw new Error(`the object key ${JSON.stringify(key)} cannot be used: ${problem}`);
}

/** Throws when no key could start with `prefix` (the empty prefix lists everything). */
export function checkObjectPrefix(prefix: string): void {
  if (prefix === "") return;
  // A prefix may stop mid-segment or right after a "/": complete it into a key to check it.
  const problem = objectKeyProblem(prefix.endsWith("/") ? `${prefix}x` : prefix);
  if (problem) throw new Error(`the prefix ${JSON.stringify(prefix)} cannot be listed: ${problem}`);
}

/** Byte order of the UTF-8 encodings: how GCS and S3 sort a listing, used by every backend. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
