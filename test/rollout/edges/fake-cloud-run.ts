import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { OutputMap, UpResult } from "@pulumi/pulumi/automation";
import type { Release, StageConfig } from "../../../src/config";
import { revisionNames } from "../../../src/config/cloud-run-revision-names";
import { revisionReadiness } from "../../../src/gcp/readiness";
import { deployment, FakeStack, stateResource, upResult } from "./fake-stack";

/**
 * Cloud Run behind the Automation API, as far as a rollout sees it: every targeted `up` deploys the
 * stack config's releases (a revision per release, the canary tagged `canary`) at the configured
 * weight, and leaves the outputs a real `up` would (`weights`, `canaryUrl`, `serviceUrls`,
 * `canaryReadiness`). Each revision is a real HTTP server on loopback; an image in `failingHealth`
 * answers its /health with 503 (the container listens, so Cloud Run reports it Ready). After every
 * `up`, `usersPerUp` user requests are split by the served weight and counted per revision.
 */
export interface RevisionCounts {
  health: number;
  users: number;
}

export class FakeCloudRun {
  readonly stack: FakeStack;
  readonly counts = new Map<string, RevisionCounts>();
  private readonly servers = new Map<string, { server: Server; url: string }>();
  private served = { weight: 0, canary: "" };

  constructor(
    private readonly cfg: StageConfig,
    private readonly failingHealth: readonly string[],
    private readonly usersPerUp = 40,
  ) {
    const service = stateResource("gcp:cloudrunv2/service:Service", "ion-api");
    this.stack = new FakeStack(deployment([service]), [async () => this.up()]);
  }

  /** What the stack already serves before the rollout: `canary` deployed at `weight`. */
  async deployed(releases: { stable: Release; canary: Release }, weight: number): Promise<void> {
    this.stack.config.set("ion-deploy:releases", JSON.stringify(releases));
    this.stack.config.set("ion-deploy:canaryWeight", String(weight));
    await this.up();
  }

  userRequestsTo(release: string): number {
    return this.counts.get(release)?.users ?? 0;
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.values()].map(({ server }) => new Promise((r) => server.close(r))));
  }

  private async up(): Promise<UpResult> {
    const releases = JSON.parse(this.stack.config.get("ion-deploy:releases") ?? "{}") as {
      stable: Release;
      canary: Release;
    };
    const weight = Number(this.stack.config.get("ion-deploy:canaryWeight") ?? "0");
    const [stable, canary] = await Promise.all([
      this.revision(releases.stable),
      this.revision(releases.canary),
    ]);
    this.served = { weight, canary: releases.canary.name };
    const cfg = { ...this.cfg, releases, canaryWeight: weight };
    const revision = revisionNames(cfg).canary;
    const outputs: OutputMap = {
      weights: { value: { stable: 100 - weight, canary: weight }, secret: false },
      canaryUrl: { value: canary, secret: false },
      serviceUrls: { value: { [this.cfg.service.name]: stable }, secret: false },
      canaryReadiness: {
        value: revisionReadiness(releases.canary.name, revision, {
          latestReadyRevision: `projects/p/locations/l/services/ion-api/revisions/${revision}`,
          terminalConditions: [{ state: "CONDITION_SUCCEEDED" }],
          trafficStatuses: [{ tag: "canary", revision, percent: weight }],
        }),
        secret: false,
      },
    };
    this.stack.outputsValue = outputs;
    await this.users(stable);
    return upResult("succeeded", outputs);
  }

  /** `usersPerUp` user requests split by the served weight (every 100/weight-th goes to the canary). */
  private async users(stableUrl: string): Promise<void> {
    const canaryUrl = this.servers.get(this.served.canary)?.url;
    for (let i = 0; i < this.usersPerUp; i++) {
      const toCanary = this.served.weight > 0 && (i * this.served.weight) % 100 < this.served.weight;
      await (await fetch(`${toCanary ? canaryUrl : stableUrl}/`)).arrayBuffer();
    }
  }

  private async revision(release: Release): Promise<string> {
    const running = this.servers.get(release.name);
    if (running) return running.url;
    const counts: RevisionCounts = { health: 0, users: 0 };
    this.counts.set(release.name, counts);
    const failing = this.failingHealth.includes(release.image);
    const server = createServer((request, response) => {
      if (request.url === this.cfg.service.healthPath) {
        counts.health++;
        response.writeHead(failing ? 503 : 200).end(failing ? "unhealthy" : "ok");
        return;
      }
      // The gate's rate probe asks the health path too; anything else is a user's request.
      counts.users++;
      response.writeHead(200).end("hello");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.servers.set(release.name, { server, url });
    return url;
  }
}
