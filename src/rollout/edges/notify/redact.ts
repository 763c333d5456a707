/** Where a secret URL may be named: its origin only (the path of a webhook URL is the secret). */
export function publicOrigin(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return "(invalid URL)";
  }
}

/** Replaces every occurrence of each secret (and its URL-encoded and path forms) with [REDACTED]. */
export function redactSecrets(text: string, secrets: (string | undefined)[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    try {
      const url = new URL(secret);
      if (url.pathname.length > 1) forms.add(url.pathname);
      if (url.search) forms.add(url.search);
    } catch {
      // not a URL: the plain and encoded forms are enough
    }
  }
  let result = text;
  // Longest first, so a URL is replaced whole before its path would be.
  for (const form of [...forms].sort((a, b) => b.length - a.length))
    result = result.split(form).join("[REDACTED]");
  return result;
}
