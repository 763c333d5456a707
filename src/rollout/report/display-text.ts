/**
 * The one way text from outside (reasons quoting a backend's error, image names, warnings, probe
 * output) reaches a person's terminal: C0/C1 control characters and escape sequences are taken
 * out, so outside text can neither move the cursor nor colour the screen, and a line is a line
 * (its width is what the live view counts). Sanitising and redacting secrets is applied here.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

export function displayText(text: string): string {
  return text.replace(CONTROL, "").replace(/\n/g, " ");
}
