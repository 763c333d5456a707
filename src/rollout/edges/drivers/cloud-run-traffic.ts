import type { BearerTokenProvider } from "../metrics/google-token";
import { googleError, googleJson } from "./google-json";
import { type OperationPolling, pollUntil, sideWeights, type TrafficApi } from "./traffic-api";

/** The tags the stack gives the two revisions (src/gcp/traffic.ts); a test keeps them equal. */
export const CLOUD_RUN_TAGS = { stable: "stable", canary: "canary" } as const;

/** `TrafficTarget` / `TrafficTargetStatus` of the Cloud Run Admin API v2, the fields read here. */
interface TrafficEntry {
  type?: string;
  revision?: string;
  percent?: number;
  tag?: string;
}

interface CloudRunService {
  traffic?: TrafficEntry[];
  trafficStatuses?: TrafficEntry[];
  reconciling?: boolean;
  terminalCondition?: { state?: string; message?: string };
}

interface LongRunningOperation {
  name?: string;
  done?: boolean;
  error?: { code?: number; message?: string };
}

export interface CloudRunTrafficOptions {
  /** `projects/{project}/locations/{region}/services/{service}`. */
  service: string;
  token: BearerTokenProvider;
  /** `https://run.googleapis.com` unless a test points it at a fake. */
  baseUrl?: string;
  polling: OperationPolling;
}

/**
 * Mode `revisions`: the split of one Cloud Run service between its `stable`- and `canary`-tagged
 * revisions, set with `services.patch` (`updateMask=traffic`, only the percentages change, the
 * tags stay) and read from the service's `trafficStatuses` (what Cloud Run serves).
 */
export class CloudRunTraffic implements TrafficApi {
  readonly description: string;
  private readonly base: string;

  constructor(private readonly options: CloudRunTrafficOptions) {
    this.description = `Cloud Run Admin API (${options.service} traffic)`;
    this.base = `${options.baseUrl ?? "https://run.googleapis.com"}/v2/`;
  }

  async servedCanaryWeight(signal?: AbortSignal): Promise<number> {
    return tagShare((await this.read(signal)).trafficStatuses, CLOUD_RUN_TAGS.canary);
  }

  async setCanaryWeight(weight: number, signal?: AbortSignal): Promise<void> {
    const wanted = sideWeights(weight);
    const service = await this.read(signal);
    const traffic = retagged(service.traffic ?? [], wanted, this.options.service);
    const url = `${this.base}${this.options.service}?updateMask=traffic`;
    const patched = await googleJson<LongRunningOperation>(
      this.options.token,
      "PATCH",
      url,
      { traffic },
      signal,
      this.options.polling,
    );
    if (patched.status !== 200)
      throw googleError(`services.patch ${this.options.service}`, patched.status, patched.json);
    await this.operationDone(patched.json, signal);
    await pollUntil(
      `${this.options.service} serving canary ${weight}%`,
      this.options.polling,
      async () => {
        const now = await this.read(signal);
        if (now.terminalCondition?.state === "CONDITION_FAILED") {
          throw new Error(
            `${this.options.service}: ${now.terminalCondition.message ?? "terminal condition failed"}`,
          );
        }
        return !now.reconciling && tagShare(now.trafficStatuses, CLOUD_RUN_TAGS.canary) === weight
          ? true
          : undefined;
      },
      signal,
    );
  }

  /** The patch's long-running operation polled (`operations.get`) until `done`; its error rejects. */
  private async operationDone(operation: LongRunningOperation, signal?: AbortSignal): Promise<void> {
    let current = operation;
    await pollUntil(
      `operation ${operation.name ?? "(unnamed)"}`,
      this.options.polling,
      async () => {
        if (current.error) throw new Error(`operation ${current.name}: ${current.error.message ?? "failed"}`);
        if (current.done) return true;
        if (!current.name) throw new Error("services.patch answered an operation without a name");
        const polled = await googleJson<LongRunningOperation>(
          this.options.token,
          "GET",
          `${this.base}${current.name}`,
          undefined,
          signal,
          this.options.polling,
        );
        if (polled.status !== 200)
          throw googleError(`operations.get ${current.name}`, polled.status, polled.json);
        current = polled.json;
        if (current.error) throw new Error(`operation ${current.name}: ${current.error.message ?? "failed"}`);
        return current.done ? true : undefined;
      },
      signal,
    );
  }

  private async read(signal?: AbortSignal): Promise<CloudRunService> {
    const { service, token } = this.options;
    const answer = await googleJson<CloudRunService>(
      token,
      "GET",
      `${this.base}${service}`,
      undefined,
      signal,
      this.options.polling,
    );
    if (answer.status !== 200) throw googleError(`services.get ${service}`, answer.status, answer.json);
    return answer.json;
  }
}

/** Percent of traffic on the entries carrying `tag`. */
function tagShare(entries: readonly TrafficEntry[] | undefined, tag: string): number {
  return (entries ?? [])
    .filter((entry) => entry.tag === tag)
    .reduce((sum, entry) => sum + (entry.percent ?? 0), 0);
}

/** The declared traffic with each tagged side's percent set; refuses a service without both tags. */
function retagged(
  traffic: readonly TrafficEntry[],
  wanted: { stable: number; canary: number },
  service: string,
): TrafficEntry[] {
  for (const tag of Object.values(CLOUD_RUN_TAGS)) {
    if (!traffic.some((entry) => entry.tag === tag)) {
      throw new Error(
        `${service} declares no traffic entry tagged \`${tag}\`: the split cannot be set through the traffic API`,
      );
    }
  }
  const untagged = traffic.filter(
    (entry) => entry.tag !== CLOUD_RUN_TAGS.stable && entry.tag !== CLOUD_RUN_TAGS.canary,
  );
  if (untagged.some((entry) => (entry.percent ?? 0) > 0)) {
    throw new Error(
      `${service} sends traffic to entries the rollout does not own: the split cannot be set through the traffic API`,
    );
  }
  return traffic.map((entry) =>
    entry.tag === CLOUD_RUN_TAGS.stable
      ? { ...entry, percent: wanted.stable }
      : entry.tag === CLOUD_RUN_TAGS.canary
        ? { ...entry, percent: wanted.canary }
        : entry,
  );
}
