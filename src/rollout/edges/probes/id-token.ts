import { GoogleAuth } from "google-auth-library";

/**
 * Headers for a non-public Cloud Run service: `Authorization: Bearer <ID token>` whose audience
 * is the service's URL (Cloud Run accepts its own run.app URL, or a custom audience). The token
 * comes from Application Default Credentials (a service account key, workload identity, the
 * metadata server); the client caches it and refreshes it before it expires.
 * https://cloud.google.com/run/docs/authenticating/service-to-service
 */

/** What the probes need of an ID token client: the one method google-auth-library's has. */
export interface IdTokenClient {
  getRequestHeaders(url?: string): Promise<Headers | Record<string, string>>;
}

export type IdTokenClientFactory = (audience: string) => Promise<IdTokenClient>;

export const googleIdTokenClient: IdTokenClientFactory = (audience) =>
  new GoogleAuth().getIdTokenClient(audience) as Promise<IdTokenClient>;

export function idTokenHeaders(
  audience: string,
  factory: IdTokenClientFactory = googleIdTokenClient,
): () => Promise<Record<string, string>> {
  let client: Promise<IdTokenClient> | undefined;
  return async () => {
    client ??= factory(audience);
    const headers = await (await client).getRequestHeaders(audience);
    const authorization =
      headers instanceof Headers
        ? headers.get("authorization")
        : (headers.Authorization ?? headers.authorization);
    if (!authorization) {
      throw new Error(
        `no ID token for audience ${audience}: set GOOGLE_APPLICATION_CREDENTIALS to a service account allowed to invoke the service (roles/run.invoker)`,
      );
    }
    return { authorization };
  };
}
