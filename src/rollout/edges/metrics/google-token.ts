import type { GoogleAuth } from "google-auth-library";

/** Returns a bearer token for each request; tokens expire, so it is asked every time (it caches). */
export type BearerTokenProvider = () => Promise<string>;

/** Read-only scope of Cloud Monitoring: enough for its PromQL query endpoint, nothing more. */
export const MONITORING_READ_SCOPE = "https://www.googleapis.com/auth/monitoring.read";

/**
 * Tokens from Application Default Credentials: `GOOGLE_APPLICATION_CREDENTIALS` (a service account
 * key), workload identity on GitHub Actions, `gcloud auth application-default login`, or the
 * metadata server on GCP. The client is created lazily so constructing a source never touches the
 * environment.
 */
export function googleBearerToken(scopes: string[] = [MONITORING_READ_SCOPE]): BearerTokenProvider {
  let auth: GoogleAuth | undefined;
  return async () => {
    // Loaded on first use: the library costs ~0.1 s of CPU, and `ion-rollout --help` never needs it.
    auth ??= new (require("google-auth-library") as typeof import("google-auth-library")).GoogleAuth({
      scopes,
    });
    let token: string | null | undefined;
    try {
      token = await auth.getAccessToken();
    } catch (error) {
      throw new Error(noCredentials(scopes, (error as Error).message));
    }
    if (!token) throw new Error(noCredentials(scopes, "they returned no access token"));
    return token;
  };
}

/** What the auth library said, and the ways to give this process credentials. */
function noCredentials(scopes: string[], why: string): string {
  const firstLine = why.split("\n")[0]?.trim() ?? why;
  return `no Google credentials for ${scopes.join(", ")} (Application Default Credentials: ${firstLine}); set GOOGLE_APPLICATION_CREDENTIALS to a credentials file, run \`gcloud auth application-default login\`, or in CI run google-github-actions/auth before ion-rollout (docs/ci.md)`;
}
