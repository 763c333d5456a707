/**
 * Text from outside (a gate command's output, a metrics server's error body, a release name, a
 * metric label) made safe for where it is shown. Pure; the one module every boundary uses.
 *
 * - Terminal: escape sequences (colours, titles, cursor moves, OSC hyperlinks) and every other
 *   control character are removed, as are bidirectional overrides that reorder what is read;
 *   newlines and tabs stay.
 * - Markdown: a code fence longer than any run of backticks in the text, so the text cannot close it.
 * - HTML: &, <, >, " and ' escaped.
 */

// ESC [ … final byte (CSI), ESC ] … BEL or ESC \ (OSC), ESC P/X/^/_ … ESC \ (DCS, SOS, PM, APC), ESC + one byte.
const ESCAPE_SEQUENCE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what is removed
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[@-Z\\-_]?|\x9b[0-?]*[ -/]*[@-~]/g;
// C0 except tab and newline, DEL, C1; bidi embeddings, overrides and isolates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are what is removed
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with escape sequences and control characters removed (newlines and tabs kept). */
export function terminalSafe(text: string): string {
  return text.replace(/\r\n/g, "\n").replace(ESCAPE_SEQUENCE, "").replace(CONTROL, "");
}

/** `terminalSafe` on one line: newlines and tabs become spaces too. */
export function oneLine(text: string): string {
  return terminalSafe(text).replace(/\s+/g, " ").trim();
}

/** A backtick fence longer than any run of backticks in `text` (at least three). */
export function markdownFence(text: string): string {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return "`".repeat(Math.max(3, longest + 1));
}

/** `text` as a fenced Markdown code block that nothing inside can close. */
export function fencedBlock(text: string): string[] {
  const body = terminalSafe(text);
  const fence = markdownFence(body);
  return [fence, body.endsWith("\n") ? body.slice(0, -1) : body, fence];
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
