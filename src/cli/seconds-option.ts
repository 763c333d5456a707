import { InvalidArgumentError } from "commander";

/**
 * A command-line value that is a number of seconds, 0 or more: commander's parser for it, so a
 * wrong value stops the command before it does anything, with commander's line naming the option
 * and the value, and this text saying what the option takes.
 */
export const SECONDS_FORM = "a number of seconds, 0 or more (e.g. 120)";

export function parseSeconds(value: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(seconds)) throw new InvalidArgumentError(`It must be ${SECONDS_FORM}.`);
  return seconds;
}
