import { z } from "zod";

/**
 * Strict patterns for config values that reach another system verbatim: HAProxy's runtime API
 * (a `;` or a newline would start another command), the file system (a `/` or `..` in a stage
 * name escapes the state directory), PromQL and URLs. Checked when the config is loaded, so a
 * hostile value never gets as far as the traffic layer.
 */

/** Stage (stack) names: state, journal and lock file names are derived from them. */
export const STAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
export const STAGE_NAME_RULE =
  "letters, digits, '-', '_' or '.', starting with a letter or digit (<= 63 chars)";

/** HAProxy backend and server names: spliced into runtime API commands. */
export const haproxyName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    "must be letters, digits, '-', '_' or '.' (it is sent to HAProxy's runtime API)",
  );

/** A file or directory path: no spaces, quotes, control characters or shell/command separators. */
export const safePath = z
  .string()
  .min(1)
  .regex(
    /^[A-Za-z0-9_./~+@-]+$/,
    "must be a plain path (letters, digits, '/', '.', '_', '-', '~', '+', '@')",
  );

/** A container image reference: registry/repository[:tag][@digest], nothing else. */
export const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,254}$/;
export const IMAGE_REF_RULE =
  "a container image reference (registry/repository:tag or @sha256:digest; no spaces or markup)";

export function isImageRef(value: string): boolean {
  return IMAGE_REF.test(value);
}
