import { resolve } from "node:path";
import type { Release } from "../src/config";
import { recordsInDirectory } from "../src/rollout/store/local-records";
import { appStats } from "./apps";
import type { Environment } from "./environment";
import { backendServers } from "./haproxy";
import { queryNow } from "./prometheus";
import { type CliRun, startRelease } from "./runner-cli";
import { waitFor } from "./wait";

/**
 * Rollout 3: a release whose image fails its pre-traffic gate (its /health answers 503, from the
 * stage file's `local.images`), over a previous canary that is healthy. The runner deploys it at
 * 0%, then must refuse it before any traffic moves: exit 2, a `pre-traffic NO-GO` decision, and
 * nothing served to users by it — counted three ways: the app's own user-request counters,
 * HAProxy's sessions to the canary server, and Prometheus' request_count for the revision.
 */
export interface RefusedRolloutOptions {
  env: Environment;
  projectDir: string;
  release: Release;
  stateDir: string;
  cliArgs?: string[];
  inherit?: boolean;
  onRun?: (run: CliRun | undefined) => void;
}

export interface RefusedRolloutResult {
  exitCode: number;
  seconds: number;
  /** The journal's reason for the decision that ended the rollout. */
  decision: string | null;
  /** User requests the refused canary answered (its own counters; health checks excluded). */
  userRequestsServed: number;
  /** Sessions HAProxy sent to the canary server during the rollout. */
  haproxySessions: number;
  /** Prometheus: sum(run_googleapis_com:request_count{revision_name=...}). */
  prometheusRequests: number | null;
  /** All user requests HAProxy sent to either server during the rollout, for the share. */
  haproxySessionsAll: number;
}

async function sessions(env: Environment): Promise<{ canary: number; all: number }> {
  const servers = await backendServers(env.layout);
  const canary = servers.find((s) => s.name === env.layout.local.canaryServer)?.sessions ?? 0;
  return { canary, all: servers.reduce((sum, s) => sum + s.sessions, 0) };
}

export async function runRefusedRollout(options: RefusedRolloutOptions): Promise<RefusedRolloutResult> {
  const { env, release } = options;
  const before = await sessions(env);
  const { exitCode, ms } = await startRelease(options);
  const seconds = ms / 1000;
  const after = await sessions(env);
  const stats = await appStats(env.sides.canary);
  if (stats.revisionName !== release.name) {
    throw new Error(
      `the canary port runs ${stats.revisionName}, not ${release.name}: the runner did not deploy it`,
    );
  }
  const served = stats.responses["2xx"] + stats.responses["4xx"] + stats.responses["5xx"];
  const query = `sum(run_googleapis_com:request_count{revision_name="${release.name}"})`;
  // The app's series exist from its start at 0; wait for Prometheus to have scraped them.
  const prometheusRequests = await waitFor(async () => (await queryNow(env.layout, query)) ?? undefined, {
    what: `Prometheus to scrape ${release.name}`,
    timeoutMs: 10_000,
  }).catch(() => null);
  const journal = await recordsInDirectory(resolve(options.stateDir), "rehearsal").readCurrentJournal();
  return {
    exitCode,
    seconds,
    decision: journal.at(-1)?.reason ?? null,
    userRequestsServed: served,
    haproxySessions: after.canary - before.canary,
    prometheusRequests,
    haproxySessionsAll: after.all - before.all,
  };
}
