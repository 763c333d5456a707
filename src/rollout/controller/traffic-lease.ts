import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { type TrafficIdentity, trafficIdentity } from "../edges/traffic-identity";
import { LocalDirectoryStore } from "../store/backends/local-directory";
import { holderAlive } from "../store/holder-process";
import {
  describeLeaseHolder,
  type Lease,
  type LeaseHolder,
  type LeaseOptions,
  type LeaseView,
  readLease,
  takeLease,
} from "../store/lease";
import type { ObjectStore } from "../store/object-store";
import { type StoreScope, stageStore } from "./stage-store";

/**
 * The one way runner, operator commands, retire and reconcile find and take the lease on what a
 * stage drives. A target only this host can drive (an HAProxy socket here) keeps its lease in one
 * host-wide directory, so runners started with different state directories or stores see each
 * other; any other target's lease lives in the stage's store, shared by every machine.
 */

/** Where leases on host-local targets live: one place per host, whatever the stage config says. */
export const HOST_LEASE_DIR = join(tmpdir(), "ion-rollout-leases");

export interface LeaseScope extends StoreScope {
  /** Test seam: the host-wide lease directory. */
  hostLeaseDir?: string;
}

export interface TrafficLeaseSite {
  target: TrafficIdentity;
  store: ObjectStore;
}

export function trafficLeaseSite(scope: LeaseScope): TrafficLeaseSite {
  const target = trafficIdentity(scope.cfg, scope.projectDir);
  const store = target.hostLocal
    ? new LocalDirectoryStore(scope.hostLeaseDir ?? HOST_LEASE_DIR)
    : stageStore(scope);
  return { target, store };
}

/** Takes the lease with the stage's ttl; `LeaseHeldError` names a live holder. */
export function takeTrafficLease(
  scope: LeaseScope,
  options: Omit<LeaseOptions, "ttlMs"> & { ttlMs?: number },
): Promise<Lease> {
  const { target, store } = trafficLeaseSite(scope);
  return takeLease(store, target, { ttlMs: scope.cfg.rollout.lease.ttlSeconds * 1000, ...options });
}

export function readTrafficLease(scope: LeaseScope): Promise<LeaseView | undefined> {
  const { target, store } = trafficLeaseSite(scope);
  return readLease(store, target);
}

/** The runner on a target as operators see it: `alive` when its lease is live and, here, its process runs. */
export interface RunnerSeen {
  holder?: LeaseHolder;
  alive: boolean;
  /** For people: the holder, and why it no longer counts (lapsed, gone, unreadable). */
  description?: string;
  /** Why a holder does not count: its lease lapsed on the store's clock, or (here) its process is gone. */
  notAlive?: "lapsed" | "gone";
  /** Store-clock ms since the holder last wrote (took or renewed) its lease. */
  sinceRenewalMs?: number;
  /**
   * The lease was handed over at a CI job's deadline for `resume` of `rolloutId`: nobody drives
   * the target, and while `live` only that resume (or an operator's abort) may take it.
   */
  handover?: { rolloutId: string; live: boolean; leftMs: number };
}

/**
 * Who drives the target: a holder whose lease is live on the store's clock and, on this host, whose
 * process still runs (a SIGKILLed runner is gone at once). An unreadable lease holds nobody; a
 * handed-over lease has no runner either (its holder exited), but is waiting for a resume.
 */
export async function runnerOnTarget(scope: LeaseScope): Promise<RunnerSeen> {
  const lease = await readTrafficLease(scope);
  if (!lease) return { alive: false };
  const holder = lease.holder;
  if (!holder) return { alive: false, description: `an unreadable lease (${lease.unreadable})` };
  const sinceRenewalMs = lease.ttlMs - lease.leftMs;
  if (lease.handover) return handedOver(holder, lease.handover.rolloutId, lease.leftMs, sinceRenewalMs);
  const alive = lease.live && (holder.host !== hostname() || holderAlive(holder));
  const why = !lease.live ? ` (lapsed ${Math.round(-lease.leftMs / 1000)} s ago)` : alive ? "" : " (gone)";
  return {
    holder,
    alive,
    description: `${describeLeaseHolder(holder)}${why}`,
    sinceRenewalMs,
    ...(alive ? {} : { notAlive: lease.live ? ("gone" as const) : ("lapsed" as const) }),
  };
}

function handedOver(
  holder: LeaseHolder,
  rolloutId: string,
  leftMs: number,
  sinceRenewalMs: number,
): RunnerSeen {
  const live = leftMs > 0;
  const seconds = Math.round(Math.abs(leftMs) / 1000);
  const when = live ? `lapses in ${seconds} s` : `lapsed ${seconds} s ago`;
  return {
    holder,
    alive: false,
    description: `${describeLeaseHolder(holder)} (handed over for resume of rollout ${rolloutId}; ${when})`,
    sinceRenewalMs,
    handover: { rolloutId, live, leftMs },
    ...(live ? {} : { notAlive: "lapsed" as const }),
  };
}
