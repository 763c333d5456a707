import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ConcurrentUpdateError, type UpResult } from "@pulumi/pulumi/automation";
import { loadStageConfig } from "../src/config";
import { AlbTraffic } from "../src/rollout/edges/drivers/alb-traffic";
import { CloudRunTraffic } from "../src/rollout/edges/drivers/cloud-run-traffic";
import { PulumiTrafficDriver } from "../src/rollout/edges/drivers/pulumi";
import type { OperationPolling, TrafficApi } from "../src/rollout/edges/drivers/traffic-api";
import { UrlMapTraffic } from "../src/rollout/edges/drivers/url-map-traffic";
import type { TrafficChange } from "../src/rollout/edges/types";
import { FakeCloudRunAdmin } from "../test/rollout/edges/fake-cloud-run-admin";
import { FakeComputeUrlMap } from "../test/rollout/edges/fake-compute-url-map";
import { CANARY_TG, FakeElbv2, STABLE_TG } from "../test/rollout/edges/fake-elbv2";
import { deployment, FakeStack, stateResource, upResult } from "../test/rollout/edges/fake-stack";
import { REVERT_LATENCY as L, SEED_004_BUDGETS } from "./revert-latency-model";
import {
  type RevertLatencyResults,
  type RevertLatencyRow,
  renderRevertLatency,
} from "./revert-latency-table";

/**
 * `npm run bench:revert` (part of `npm run bench`): the time from a revert decision to the split
 * served at 0%, through the project's own Pulumi driver, against the API fakes the tests use, on a
 * virtual clock charged with the durations of revert-latency-model.ts (each request a round trip,
 * each operation poll its interval, each `pulumi` CLI call and the `up` their phases). Paths: the
 * traffic API (today's revert) and the targeted `up` (the revert before it), with the stack's lock
 * free and held by another update. Writes bench/results/revert-latency.json.
 */

const PROJECT_DIR = resolve(__dirname, "..");
const POLL_MS = 1_000;

class VirtualClock {
  now = 0;
  advance = (ms: number) => {
    this.now += ms;
  };
}

interface Platform {
  name: string;
  /** The fake's API with its round trips charged to `clock`, and how to serve a weight as the stack's `up` would. */
  open(clock: VirtualClock): Promise<{
    api: TrafficApi;
    served(): Promise<number>;
    serveByUp(weight: number): Promise<void>;
    operationMs: number;
    close(): Promise<void>;
  }>;
}

const polling = (clock: VirtualClock): OperationPolling => ({
  intervalMs: POLL_MS,
  polls: 600,
  sleep: async (ms) => clock.advance(ms),
});

const PLATFORMS: Platform[] = [
  {
    name: "GCP Cloud Run revisions",
    async open(clock) {
      const fake = await new FakeCloudRunAdmin(
        25,
        Math.ceil(L.cloudRunTrafficOperation.ms / POLL_MS),
      ).start();
      fake.onRequest = () => clock.advance(L.googleRoundTrip.ms);
      const api = new CloudRunTraffic({
        service: fake.service,
        token: async () => "t",
        baseUrl: fake.url,
        polling: polling(clock),
      });
      return {
        api,
        served: async () => fake.servedCanary(),
        serveByUp: async (weight) => api.setCanaryWeight(weight),
        operationMs: L.cloudRunTrafficOperation.ms,
        close: () => fake.close(),
      };
    },
  },
  {
    name: "GCP services (URL map)",
    async open(clock) {
      const fake = await new FakeComputeUrlMap(25, Math.ceil(L.urlMapOperation.ms / POLL_MS)).start();
      fake.onRequest = () => clock.advance(L.googleRoundTrip.ms);
      const api = new UrlMapTraffic({
        project: fake.project,
        urlMap: fake.name,
        token: async () => "t",
        baseUrl: fake.url,
        polling: polling(clock),
      });
      return {
        api,
        served: async () => fake.weights[1],
        serveByUp: (w) => api.setCanaryWeight(w),
        operationMs: L.urlMapOperation.ms,
        close: () => fake.close(),
      };
    },
  },
  {
    name: "AWS ALB listener",
    async open(clock) {
      const fake = await new FakeElbv2(25).start();
      fake.onRequest = () => clock.advance(L.awsRoundTrip.ms);
      const client = new ElasticLoadBalancingV2Client({
        region: "ap-northeast-2",
        endpoint: fake.url,
        credentials: { accessKeyId: "a", secretAccessKey: "b" },
        maxAttempts: 1,
      });
      const api = new AlbTraffic({ client, targetGroups: { stable: STABLE_TG, canary: CANARY_TG } });
      return {
        api,
        served: async () => fake.canaryWeight(),
        serveByUp: (w) => api.setCanaryWeight(w),
        operationMs: 0,
        close: () => fake.close(),
      };
    },
  },
];

/** A stack whose CLI calls and `up` phases take virtual time; the up serves the weight through the platform. */
class TimedStack extends FakeStack {
  constructor(clock: VirtualClock, ups: (() => Promise<UpResult>)[]) {
    super(deployment([stateResource("gcp:cloudrunv2/service:Service", "ion-api")]), ups);
    const cli =
      <T>(call: () => Promise<T>) =>
      async () => {
        clock.advance(L.pulumiCliCall.ms);
        return call();
      };
    this.exportStack = cli(this.exportStack.bind(this));
    this.getAllConfig = cli(this.getAllConfig.bind(this));
    const setAll = this.setAllConfigJson.bind(this);
    this.setAllConfigJson = async (json) => {
      clock.advance(L.pulumiCliCall.ms);
      return setAll(json);
    };
  }
}

const releases = loadStageConfig("prod").releases;
const REVERT: TrafficChange = {
  canaryWeight: 0,
  releases,
  rolloutInProgress: false,
  reason: "revert: bench",
  urgent: true,
};

async function scenario(
  platform: Platform,
  path: "traffic API" | "targeted up",
  locked: boolean,
): Promise<RevertLatencyRow> {
  const clock = new VirtualClock();
  const opened = await platform.open(clock);
  let servedAt: number | undefined;
  let lockFreeAt = locked ? L.otherUpdateHoldsLock.ms : 0;
  const up = async (): Promise<UpResult> => {
    if (clock.now < lockFreeAt) {
      clock.advance(L.pulumiCliCall.ms);
      throw new ConcurrentUpdateError("error: [409] Conflict: Another update is currently in progress.");
    }
    lockFreeAt = 0;
    clock.advance(L.pulumiUpOverhead.ms + L.programEvaluation.ms);
    await opened.serveByUp(0);
    servedAt ??= clock.now;
    return upResult("succeeded");
  };
  const stack = new TimedStack(clock, [up]);
  const driver = new PulumiTrafficDriver({
    stage: "prod",
    workDir: "/bench",
    cfg: loadStageConfig("prod"),
    selectStack: async () => stack,
    sleep: async (ms) => clock.advance(ms),
    concurrentUpdate: { attempts: 8 },
    ...(path === "traffic API" ? { trafficApi: async () => opened.api } : {}),
  });
  await driver.apply(REVERT);
  const served = clock.now;
  await driver.settle();
  const row = {
    platform: platform.name,
    path,
    lock: locked ? "held 120 s" : "free",
    servedMs: path === "traffic API" ? served : (servedAt ?? Number.NaN),
    agreedMs: clock.now,
    servedWeight: await opened.served(),
  };
  await opened.close();
  return row;
}

async function main(): Promise<void> {
  const rows: RevertLatencyRow[] = [];
  for (const platform of PLATFORMS) {
    for (const path of ["traffic API", "targeted up"] as const) {
      for (const locked of [false, true]) rows.push(await scenario(platform, path, locked));
    }
  }
  const results: RevertLatencyResults = {
    command: "npm run bench:revert",
    budgets: SEED_004_BUDGETS,
    latencies: L,
    rows,
  };
  const dir = join(PROJECT_DIR, "bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "revert-latency.json"), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${renderRevertLatency(results)}\n`);
}

void main();
