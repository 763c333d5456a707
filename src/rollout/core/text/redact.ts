/**
 * Secrets kept out of everything the runner writes or shows (journal, reports, logs, terminal,
 * notifications). Pure: the caller passes the environment. A secret is every value the runner is
 * configured with as one (the notifiers' webhook URLs and signing secret live in the environment,
 * src/rollout/edges/notify/from-env.ts) and the value of every environment variable whose name
 * says it holds one.
 */

/** Environment variable names that hold secrets. */
export const SECRET_NAME =
  /TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|KEY|WEBHOOK|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE|SIGNATURE/i;
/** Shorter values (`true`, `1`, `us`) are not secrets and would redact ordinary words. */
const MIN_SECRET_LENGTH = 8;
export const REDACTED = "[REDACTED]";

/** The secret values in `env`: those of variables with secret-like names, plus `extra`. */
export function secretValues(
  env: Record<string, string | undefined>,
  extra: (string | undefined)[] = [],
): string[] {
  const values = Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && value !== undefined)
    .map(([, value]) => (value as string).trim());
  return [...values, ...extra].filter((v): v is string => !!v && v.length >= MIN_SECRET_LENGTH);
}

/** Each secret with its URL-encoded, JSON-escaped and URL path/query forms. */
function formsOf(secrets: (string | undefined)[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(JSON.stringify(secret).slice(1, -1));
    try {
      const url = new URL(secret);
      if (url.pathname.length > 1) forms.add(url.pathname);
      if (url.search) forms.add(url.search);
    } catch {
      // not a URL: the plain and encoded forms are enough
    }
  }
  // Longest first, so a URL is replaced whole before its path would be.
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of each secret (and its encoded and path forms) with [REDACTED]. */
export function redactSecrets(text: string, secrets: (string | undefined)[]): string {
  return replaceForms(text, formsOf(secrets));
}

function replaceForms(text: string, forms: string[]): string {
  let result = text;
  for (const form of forms) result = result.split(form).join(REDACTED);
  return result;
}

/** A JSON-like value with every string in it redacted (records, events). */
export function redactDeep<T>(value: T, secrets: (string | undefined)[]): T {
  const forms = formsOf(secrets);
  if (forms.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return replaceForms(v, forms);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
