import type { BearerTokenProvider } from "../metrics/google-token";
import { googleError, googleJson } from "./google-json";
import { type OperationPolling, pollUntil, sideWeights, type TrafficApi } from "./traffic-api";

interface WeightedBackend {
  backendService?: string;
  weight?: number;
}

interface UrlMap {
  fingerprint?: string;
  defaultRouteAction?: { weightedBackendServices?: WeightedBackend[] } & Record<string, unknown>;
}

/** A Compute `Operation`: `status` PENDING, RUNNING or DONE; `error.errors` when it failed. */
interface ComputeOperation {
  name?: string;
  status?: string;
  error?: { errors?: { message?: string }[] };
}

export interface UrlMapTrafficOptions {
  project: string;
  /** The URL map's name (its last path segment). */
  urlMap: string;
  token: BearerTokenProvider;
  /** `https://compute.googleapis.com` unless a test points it at a fake. */
  baseUrl?: string;
  polling: OperationPolling;
  /** Tries when another writer changed the map between the read and the patch (HTTP 412). */
  fingerprintAttempts?: number;
}

/**
 * Mode `services`: the weights of the global URL map's default route, stable's backend first and
 * the canary's second (the order the stack declares them), set with `urlMaps.patch` under the
 * map's fingerprint (a concurrent change answers 412 and is read again) and waited on through the
 * global operation.
 */
export class UrlMapTraffic implements TrafficApi {
  readonly description: string;
  private readonly mapUrl: string;
  private readonly operationsUrl: string;

  constructor(private readonly options: UrlMapTrafficOptions) {
    this.description = `Compute API (URL map ${options.urlMap} weights)`;
    const project = `${options.baseUrl ?? "https://compute.googleapis.com"}/compute/v1/projects/${options.project}`;
    this.mapUrl = `${project}/global/urlMaps/${options.urlMap}`;
    this.operationsUrl = `${project}/global/operations/`;
  }

  async servedCanaryWeight(signal?: AbortSignal): Promise<number> {
    return canaryShare(await this.read(signal), this.options.urlMap);
  }

  async setCanaryWeight(weight: number, signal?: AbortSignal): Promise<void> {
    const wanted = sideWeights(weight);
    const attempts = Math.max(1, this.options.fingerprintAttempts ?? 3);
    for (let attempt = 1; ; attempt++) {
      const map = await this.read(signal);
      const backends = twoSides(map, this.options.urlMap);
      const patch = {
        fingerprint: map.fingerprint,
        defaultRouteAction: {
          ...map.defaultRouteAction,
          weightedBackendServices: [
            { ...backends[0], weight: wanted.stable },
            { ...backends[1], weight: wanted.canary },
          ],
        },
      };
      const answer = await googleJson<ComputeOperation>(
        this.options.token,
        "PATCH",
        this.mapUrl,
        patch,
        signal,
        this.options.polling,
      );
      if (answer.status === 412 && attempt < attempts) continue;
      if (answer.status !== 200)
        throw googleError(`urlMaps.patch ${this.options.urlMap}`, answer.status, answer.json);
      await this.operationDone(answer.json, signal);
      const served = await this.servedCanaryWeight(signal);
      if (served !== weight)
        throw new Error(
          `URL map ${this.options.urlMap} declares canary ${served}% after the patch, not ${weight}%`,
        );
      return;
    }
  }

  private async operationDone(operation: ComputeOperation, signal?: AbortSignal): Promise<void> {
    let current = operation;
    await pollUntil(
      `operation ${operation.name ?? "(unnamed)"}`,
      this.options.polling,
      async () => {
        const failed = current.error?.errors?.map((e) => e.message).join("; ");
        if (failed) throw new Error(`operation ${current.name}: ${failed}`);
        if (current.status === "DONE") return true;
        if (!current.name) throw new Error("urlMaps.patch answered an operation without a name");
        const polled = await googleJson<ComputeOperation>(
          this.options.token,
          "GET",
          `${this.operationsUrl}${current.name}`,
          undefined,
          signal,
          this.options.polling,
        );
        if (polled.status !== 200)
          throw googleError(`globalOperations.get ${current.name}`, polled.status, polled.json);
        current = polled.json;
        const error = current.error?.errors?.map((e) => e.message).join("; ");
        if (error) throw new Error(`operation ${current.name}: ${error}`);
        return current.status === "DONE" ? true : undefined;
      },
      signal,
    );
  }

  private async read(signal?: AbortSignal): Promise<UrlMap> {
    const answer = await googleJson<UrlMap>(
      this.options.token,
      "GET",
      this.mapUrl,
      undefined,
      signal,
      this.options.polling,
    );
    if (answer.status !== 200)
      throw googleError(`urlMaps.get ${this.options.urlMap}`, answer.status, answer.json);
    return answer.json;
  }
}

/** Percent on the canary's backend: the second of two, or the only one once stable is retired. */
function canaryShare(map: UrlMap, name: string): number {
  const backends = map.defaultRouteAction?.weightedBackendServices ?? [];
  if (backends.length === 1) return 100;
  const [stable, canary] = twoSides(map, name);
  const total = (stable.weight ?? 0) + (canary.weight ?? 0);
  return total === 0 ? 0 : Math.round(((canary.weight ?? 0) * 100) / total);
}

function twoSides(map: UrlMap, name: string): [WeightedBackend, WeightedBackend] {
  const backends = map.defaultRouteAction?.weightedBackendServices ?? [];
  if (backends.length !== 2) {
    throw new Error(
      `URL map ${name} has ${backends.length} weighted backend services, not the stable and canary pair the stack declares`,
    );
  }
  return backends as [WeightedBackend, WeightedBackend];
}
