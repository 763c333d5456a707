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
  /**
   * The backend services' names by side, as the stack declares them: the sides are found by name,
   * whatever order the map lists them in. Without it, stable is the first of two and canary the second.
   */
  backends?: { stable?: string; canary: string };
}

/** A map's two sides, and the list as the map has it (a patch keeps its order). */
interface MapSides {
  stable: WeightedBackend;
  canary: WeightedBackend;
  listed: WeightedBackend[];
}

/**
 * Mode `services`: the weights of the global URL map's default route, on the backends the stack
 * declares for each side (found by name, so the order the map lists them in does not matter), set with `urlMaps.patch` under the
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
    const map = await this.read(signal);
    const listed = map.defaultRouteAction?.weightedBackendServices ?? [];
    const only = listed.length === 1 ? (listed[0] as WeightedBackend) : undefined;
    if (only && this.isCanary(only)) return 100;
    if (only && backendName(only.backendService) === this.options.backends?.stable) return 0;
    const { stable, canary } = this.sides(map);
    const total = (stable.weight ?? 0) + (canary.weight ?? 0);
    return total === 0 ? 0 : Math.round(((canary.weight ?? 0) * 100) / total);
  }

  async setCanaryWeight(weight: number, signal?: AbortSignal): Promise<void> {
    const wanted = sideWeights(weight);
    const attempts = Math.max(1, this.options.fingerprintAttempts ?? 3);
    for (let attempt = 1; ; attempt++) {
      const map = await this.read(signal);
      const { canary, listed } = this.sides(map);
      const patch = {
        fingerprint: map.fingerprint,
        defaultRouteAction: {
          ...map.defaultRouteAction,
          weightedBackendServices: listed.map((backend) => ({
            ...backend,
            weight: backend === canary ? wanted.canary : wanted.stable,
          })),
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

  private isCanary(backend: WeightedBackend): boolean {
    const names = this.options.backends;
    return names ? backendName(backend.backendService) === names.canary : true;
  }

  /**
   * Stable and canary on the map: by the stack's names when known, else by position. Anything but
   * those two is refused: a weight set on the wrong backend would serve the canary to everyone.
   */
  private sides(map: UrlMap): MapSides {
    const listed = map.defaultRouteAction?.weightedBackendServices ?? [];
    const name = this.options.urlMap;
    if (listed.length !== 2)
      throw new Error(
        `URL map ${name} has ${listed.length} weighted backend services, not the stable and canary pair the stack declares`,
      );
    const names = this.options.backends;
    if (!names) return { stable: listed[0] as WeightedBackend, canary: listed[1] as WeightedBackend, listed };
    const find = (side: string, wanted: string | undefined) => {
      const found = listed.find((b) => backendName(b.backendService) === wanted);
      if (!found)
        throw new Error(
          `URL map ${name} lists ${listed.map((b) => backendName(b.backendService)).join(" and ")}, not the ${side} backend ${wanted ?? "(none declared)"} the stack declares`,
        );
      return found;
    };
    return { stable: find("stable", names.stable), canary: find("canary", names.canary), listed };
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

/** A backend service's name: the last segment of its URL (or of the stack's resource id). */
export function backendName(url: string | undefined): string {
  return (url ?? "").split("/").pop() ?? "";
}
