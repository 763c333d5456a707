import { createHash, randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { holderAlive, processAlive, processStartTime } from "./holder-process";
import { type ObjectStore, PreconditionFailedError, type StoredObject } from "./object-store";

/**
 * One driver per traffic target, across machines: a lease in the shared store, keyed on the
 * target's identity as the platform resolves it (edges/traffic-identity.ts), taken and renewed by
 * compare-and-swap (a write names the version it replaces, so of two racing writers exactly one
 * wins).
 *
 * A lease lapses `ttlMs` after its last write, measured on the store's clock alone
 * (`readAtMs - updatedAtMs` of one read): no two machines' clocks are ever compared, and a jump of
 * this machine's wall clock neither expires a live lease nor revives a lapsed one. A lapsed lease is
 * taken over by CAS; so is one whose holder is a dead process on this host (no need to wait out the
 * ttl after a SIGKILL). The holder renews by CAS on the version it wrote last; when another writer
 * changed the lease, or no renewal succeeded for longer than the ttl on its own monotonic clock,
 * the lease is lost and the runner stops driving at once.
 */

export interface LeaseHolder {
  /** Random per take: tells this holder from an earlier one of the same pid. */
  token: string;
  pid: number;
  /** `/proc/<pid>/stat` field 22: with the pid, the process's identity (a pid is reused). */
  startTime?: string;
  host: string;
  /** The command that holds it (`ion-rollout start prod`). */
  command: string;
  /** What is driven, for people (`HAProxy /run/haproxy.sock backend app`). */
  target: string;
  /** The holder's own wall clock when it took the lease: for people only, never for expiry. */
  since: string;
}

/**
 * A lease handed over at a CI job's deadline: its runner held the canary and left the lease for
 * the next job's `resume` of this rollout, live for the handover window (its `ttlMs`) and never
 * renewed. While live only that resume (or an operator's abort) may take it; once lapsed it is a
 * lapsed lease like any other, and `reconcile` reverts the canary.
 */
export interface LeaseHandover {
  /** The rollout whose `resume` may take the lease over. */
  rolloutId: string;
}

/** What the lease is stored in, besides its holder. */
interface LeaseDocument {
  holder: LeaseHolder;
  ttlMs: number;
  handover?: LeaseHandover;
}

/** What a runner drives: `key` is the platform's identity of the target, `description` for people. */
export interface LeaseTarget {
  key: string;
  description: string;
}

export interface LeaseOptions {
  ttlMs: number;
  command: string;
  pid?: number;
  host?: string;
  startTime?: string;
  /** This machine's wall clock (epoch ms), only for `since`. */
  now?: () => number;
  /** Monotonic ms: how long since the last renewal that the store confirmed. */
  monotonic?: () => number;
  /** Whether a pid on this host is alive (default: `process.kill(pid, 0)`). */
  isAlive?: (pid: number) => boolean;
  /** Whether this taker may replace a live handover lease (`resume` of its rollout, an operator's abort); default no. */
  takesHandover?: (handover: LeaseHandover) => boolean;
}

/** Someone else drives the target: the message names the holder and what to do. */
export class LeaseHeldError extends Error {
  override name = "LeaseHeldError";
  constructor(
    readonly holder: LeaseHolder,
    readonly leftMs: number,
  ) {
    super(
      `another runner holds ${holder.target}: ${describeLeaseHolder(holder)}; its lease lapses in ${Math.ceil(leftMs / 1000)} s unless renewed. Wait for it, stop it, or \`ion-rollout abort\` to revert through it`,
    );
  }
}

/** A live handover lease waits for `resume` of its rollout: anything else is refused until it lapses. */
export class HandoverPendingError extends LeaseHeldError {
  override name = "HandoverPendingError";
  constructor(
    holder: LeaseHolder,
    leftMs: number,
    readonly handover: LeaseHandover,
  ) {
    super(holder, leftMs);
    this.message = `rollout ${handover.rolloutId} on ${holder.target} was held and handed over at a CI job's deadline by ${describeLeaseHolder(holder)}; only \`resume\` of that rollout may take it over for ${Math.ceil(leftMs / 1000)} s more (rollout.lease.handoverSeconds), after which \`reconcile\` reverts it. \`ion-rollout abort\` reverts it now`;
  }
}

/** The lease kept changing hands while it was being taken: another actor is taking it. */
export class LeaseContendedError extends Error {
  override name = "LeaseContendedError";
}

/** The lease was taken over, or could not be renewed in time: stop driving now. */
export class LeaseLostError extends Error {
  override name = "LeaseLostError";
}

/** How a lease was found: who holds it, and whether it is still live on the store's clock. */
export interface LeaseView {
  holder: LeaseHolder | undefined;
  /** The stored text could not be read as a lease: nobody can be said to hold it. */
  unreadable?: string;
  live: boolean;
  /** Store-clock ms until it lapses (negative: lapsed that long ago). */
  leftMs: number;
  /** The lease's time to live as stored (0 when unreadable): `ttlMs - leftMs` is the time since its last write. */
  ttlMs: number;
  version: string;
  /** Set when the lease was handed over for `resume` of a rollout (its `ttlMs` is the handover window). */
  handover?: LeaseHandover;
}

export function describeLeaseHolder(holder: LeaseHolder): string {
  return `pid ${holder.pid} on ${holder.host} since ${holder.since} (${holder.command})`;
}

export function leaseKey(target: LeaseTarget): string {
  return `leases/${createHash("sha256").update(target.key).digest("hex").slice(0, 32)}.json`;
}

function view(object: StoredObject): LeaseView {
  let document: Partial<LeaseDocument>;
  try {
    document = JSON.parse(object.text) as Partial<LeaseDocument>;
  } catch (error) {
    return {
      holder: undefined,
      unreadable: (error as Error).message,
      live: false,
      leftMs: 0,
      ttlMs: 0,
      version: object.version,
    };
  }
  const ttlMs = typeof document.ttlMs === "number" ? document.ttlMs : 0;
  const leftMs = object.updatedAtMs + ttlMs - object.readAtMs;
  if (typeof document.holder?.pid !== "number" || typeof document.holder.host !== "string")
    return {
      holder: undefined,
      unreadable: "no holder",
      live: false,
      leftMs,
      ttlMs,
      version: object.version,
    };
  const handover = typeof document.handover?.rolloutId === "string" ? document.handover : undefined;
  return {
    holder: document.holder,
    live: leftMs > 0,
    leftMs,
    ttlMs,
    version: object.version,
    ...(handover ? { handover: { rolloutId: handover.rolloutId } } : {}),
  };
}

/** The lease on `target` as the store has it now; undefined when nobody holds one. */
export async function readLease(store: ObjectStore, target: LeaseTarget): Promise<LeaseView | undefined> {
  const object = await store.read(leaseKey(target));
  return object ? view(object) : undefined;
}

/**
 * Why a found lease may be replaced: it lapsed, its holder is a dead process on this host, or it
 * is a live handover this taker may take. A handover's holder has exited on purpose: its process
 * being gone does not free the lease, only its window lapsing does.
 */
function takeoverReason(
  found: LeaseView,
  host: string,
  options: Pick<LeaseOptions, "isAlive" | "takesHandover">,
): string | undefined {
  if (!found.holder) return `an unreadable lease (${found.unreadable})`;
  const handover = found.handover;
  if (!found.live)
    return handover
      ? `the lapsed handover of rollout ${handover.rolloutId} from ${describeLeaseHolder(found.holder)}`
      : `the lapsed lease of ${describeLeaseHolder(found.holder)}`;
  if (handover) {
    if (options.takesHandover?.(handover) !== true)
      throw new HandoverPendingError(found.holder, found.leftMs, handover);
    return `the handover of rollout ${handover.rolloutId} from ${describeLeaseHolder(found.holder)}`;
  }
  if (found.holder.host === host && !holderAlive(found.holder, options.isAlive ?? processAlive))
    return `the lease of ${describeLeaseHolder(found.holder)}, a process that is gone`;
  return undefined;
}

/**
 * Takes the lease on `target`, or throws `LeaseHeldError` naming the live holder. Of any number
 * of racing takers exactly one wins: each write is conditional on what that taker read.
 */
export async function takeLease(
  store: ObjectStore,
  target: LeaseTarget,
  options: LeaseOptions,
): Promise<Lease> {
  const pid = options.pid ?? process.pid;
  const startTime = options.startTime ?? processStartTime(pid);
  const holder: LeaseHolder = {
    token: randomBytes(8).toString("hex"),
    pid,
    ...(startTime === undefined ? {} : { startTime }),
    host: options.host ?? hostname(),
    command: options.command,
    target: target.description,
    since: new Date((options.now ?? Date.now)()).toISOString(),
  };
  const key = leaseKey(target);
  const text = JSON.stringify({ holder, ttlMs: options.ttlMs } satisfies LeaseDocument);
  const monotonic = options.monotonic ?? (() => performance.now());
  const timing = { ttlMs: options.ttlMs, monotonic };
  let tried: { sentAt: number; reason: string | undefined } | undefined;
  for (let attempt = 0; attempt < 8; attempt++) {
    const object = await store.read(key);
    // Our own write, landed though its answer was refused (a client retry): the lease is ours.
    if (tried && object?.text === text)
      return new Lease(
        store,
        key,
        holder,
        text,
        object.version,
        { ...timing, sentAt: tried.sentAt },
        tried.reason,
      );
    const found = object ? view(object) : undefined;
    const reason = found ? takeoverReason(found, holder.host, options) : undefined;
    if (found?.holder && reason === undefined) throw new LeaseHeldError(found.holder, found.leftMs);
    const sentAt = monotonic();
    tried = { sentAt, reason };
    try {
      const version = await store.write(key, text, found ? { ifVersion: found.version } : { ifAbsent: true });
      return new Lease(store, key, holder, text, version, { ...timing, sentAt }, reason);
    } catch (error) {
      // Another taker wrote first: read again and judge what it wrote.
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
  throw new LeaseContendedError(
    `could not take the lease on ${target.description}: it kept changing hands; another runner is starting`,
  );
}

/** A held lease: renew it by CAS on the version this holder wrote last; release it at the end. */
export class Lease {
  private lostWith: LeaseLostError | undefined;
  private handedOver = false;
  private confirmedAt: number;

  constructor(
    private readonly store: ObjectStore,
    readonly key: string,
    readonly holder: LeaseHolder,
    private readonly text: string,
    private version: string,
    private readonly timing: { ttlMs: number; monotonic: () => number; sentAt: number },
    /** What this lease replaced (a lapsed lease, a dead holder's), for the runner's warning. */
    readonly tookOver?: string,
  ) {
    // A write is confirmed no earlier than it was sent: the store's clock stamped it after `sentAt`.
    this.confirmedAt = timing.sentAt;
  }

  /** Set once the lease is lost; every later `renew` rethrows it. */
  get lost(): LeaseLostError | undefined {
    return this.lostWith;
  }

  /**
   * Rewrites the lease (the store stamps a new `updatedAtMs`). Throws `LeaseLostError` when
   * another writer replaced it, or when the last confirmed renewal was sent a ttl ago or more (the
   * lease may have lapsed and been taken); any other failure is rethrown and may be retried.
   */
  async renew(signal?: AbortSignal): Promise<void> {
    if (this.lostWith) throw this.lostWith;
    const sentAt = this.timing.monotonic();
    this.failIfLapsed(sentAt);
    try {
      this.version = await this.store.write(this.key, this.text, { ifVersion: this.version }, signal);
      this.confirmedAt = sentAt;
    } catch (error) {
      if (error instanceof PreconditionFailedError) {
        if (await this.landedAnyway(this.text)) this.confirmedAt = sentAt;
        else this.lose("another runner replaced this runner's lease");
        return;
      }
      this.failIfLapsed(this.timing.monotonic());
      throw error;
    }
  }

  /**
   * After a refused write: whether the store holds exactly what this holder sent (its token makes
   * the text its own), as when a client retried a write whose first attempt had landed and its
   * answer was lost (the AWS SDK retries a timed-out or 5xx PutObject with the same `If-Match`).
   * Then that version is this holder's, and the lease was never lost.
   */
  private async landedAnyway(text: string): Promise<boolean> {
    const found = await this.store.read(this.key);
    if (found?.text !== text) return false;
    this.version = found.version;
    return true;
  }

  private failIfLapsed(now: number): void {
    const since = now - this.confirmedAt;
    if (since >= this.timing.ttlMs)
      this.lose(
        `no renewal reached the store for ${Math.round(since / 1000)} s (lease ttl ${this.timing.ttlMs / 1000} s)`,
      );
  }

  private lose(why: string): never {
    this.lostWith = new LeaseLostError(`lost the lease on ${this.holder.target}: ${why}; stopped driving it`);
    throw this.lostWith;
  }

  /**
   * Instead of releasing: rewrites the lease (by CAS on this holder's last version) as a handover
   * to `resume` of `rolloutId`, live for `windowMs` on the store's clock and never renewed. A lease
   * already replaced throws `LeaseLostError`; after a handover `release` does nothing.
   */
  async handOver(rolloutId: string, windowMs: number): Promise<void> {
    if (this.lostWith) throw this.lostWith;
    const document: LeaseDocument = { ...(JSON.parse(this.text) as LeaseDocument), ttlMs: windowMs };
    document.handover = { rolloutId };
    const text = JSON.stringify(document);
    try {
      this.version = await this.store.write(this.key, text, { ifVersion: this.version });
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
      if (!(await this.landedAnyway(text))) this.lose("another runner replaced this runner's lease");
    }
    this.handedOver = true;
  }

  /** Gives the lease up, if it is still this holder's; a lease already replaced or handed over is left alone. */
  async release(): Promise<void> {
    if (this.lostWith || this.handedOver) return;
    try {
      await this.store.remove(this.key, { ifVersion: this.version });
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
}
