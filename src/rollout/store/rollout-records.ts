import type { DecisionRecord } from "../core/record";
import type { RolloutState } from "../core/state";
import { stateShapeProblem } from "../core/state-shape";
import { redactDeep, secretValues } from "../core/text/redact";
import { checkObjectKey } from "./object-key";
import { type ObjectStore, PreconditionFailedError } from "./object-store";
import { OPERATOR_ACTIONS, type OperatorAction, type OperatorRequest, type TakenRequest } from "./requests";

/**
 * A rollout's durable records in the stage's store (object-store.ts), the one place every
 * machine with the stage config reads them:
 *
 * - `stages/<stage>/state.json`: the rollout's state, what `resume`, `status` and the operator
 *   commands read.
 * - `stages/<stage>/journals/<rollout id>.jsonl`: one object per rollout, its decision records as
 *   JSON lines. A bucket has no append: the controller, the only writer under its lease, keeps the
 *   text it wrote and replaces the object on its version with one more line. One object per
 *   rollout (not one per record) keeps `explain` one read, and a new rollout starts a new object.
 * - `stages/<stage>/request.json`: at most one pending operator request, written only when absent
 *   (or over a stale one), taken and withdrawn on the version read, so of two racing writers one wins.
 *
 * Every write is compare-and-swap on the version this process read or wrote last: a stale writer
 * (a runner that lost its lease) is refused instead of overwriting.
 */

/** The state exists but cannot be used: empty, truncated, another version, half a document. */
export class UnreadableStateError extends Error {
  override name = "UnreadableStateError";
  constructor(
    /** Where it is, for people: the file or the bucket object. */
    readonly where: string,
    readonly problem: string,
  ) {
    super(
      `the rollout state ${where} cannot be read (${problem}); \`ion-rollout abort\` still reverts from the config alone and sets the state aside (records a fresh one); otherwise remove or move it aside and run the command again`,
    );
  }
}

/** A past rollout's journal: its key-safe id and records. */
export interface ArchivedJournal {
  id: string;
  where: string;
  records: DecisionRecord[];
}

/** A request this process wrote: its version, which `withdrawRequest` removes only while unchanged. */
export interface SentRequest {
  version: string;
}

/** What leaving a request did: sent, or refused because another one for the rollout is pending. */
export type LeftRequest = { sent: SentRequest } | { pending: string };

/** How many times a write is retried when another writer changed the key between read and write. */
const CAS_ATTEMPTS = 5;

/** A rollout id as one key segment: ids start with an ISO time, whose ':' a key may hold but a file system may not like. */
export function journalIdOf(rolloutId: string): string {
  return rolloutId.replace(/[^A-Za-z0-9_.-]/g, "-");
}

export class RolloutRecords {
  /** The text and version this process last read or wrote at each key. */
  private readonly known = new Map<string, { text: string; version: string }>();
  private readonly folder: string;

  constructor(
    private readonly store: ObjectStore,
    readonly stage: string,
  ) {
    this.folder = `stages/${stage}`;
    checkObjectKey(this.stateKey);
  }

  get stateKey(): string {
    return `${this.folder}/state.json`;
  }

  get requestKey(): string {
    return `${this.folder}/request.json`;
  }

  journalKey(rolloutId: string): string {
    return `${this.folder}/journals/${journalIdOf(rolloutId)}.jsonl`;
  }

  /** Where the stage's records are, for people (`/abs/dir`, `gs://bucket/prefix/`). */
  get description(): string {
    return this.store.description;
  }

  /** `key` as people find it: the file under the directory, the object in the bucket. */
  where(key: string): string {
    return `${this.store.description.replace(/\/+$/, "")}/${key}`;
  }

  /** The stored state; undefined when there is none; `UnreadableStateError` when it cannot be used. */
  async readState(): Promise<RolloutState | undefined> {
    const object = await this.store.read(this.stateKey);
    if (!object) return undefined;
    let document: unknown;
    try {
      document = JSON.parse(object.text);
    } catch (error) {
      const problem = object.text.trim() === "" ? "it is empty" : (error as Error).message;
      throw new UnreadableStateError(this.where(this.stateKey), problem);
    }
    const problem = stateShapeProblem(document);
    if (problem) throw new UnreadableStateError(this.where(this.stateKey), problem);
    return document as RolloutState;
  }

  /** Replaces the state (the controller's write, under its lease). */
  async writeState(state: RolloutState): Promise<void> {
    if (state.stage !== this.stage) throw new Error(`a state of ${state.stage} is not ${this.stage}'s`);
    await this.replace(this.stateKey, () => `${JSON.stringify(state, null, 2)}\n`);
  }

  /** The stored state's text as it is, unparsed (an unreadable state's, for `keepAside`); undefined when there is none. */
  async readStateText(): Promise<string | undefined> {
    return (await this.store.read(this.stateKey))?.text;
  }

  /**
   * Keeps an unreadable state's `text` at `…unreadable-<ms>` for a post-mortem; returns where. The
   * state key itself is left to the next `writeState`, which replaces it whatever it holds.
   */
  async keepAside(text: string, nowMs: number): Promise<string> {
    const aside = `${this.stateKey}.unreadable-${nowMs}`;
    await this.store.write(aside, text, { ifAbsent: true });
    return this.where(aside);
  }

  /**
   * Appends one record to rollout `rolloutId`'s journal; every secret of the environment is
   * redacted from it first (core/text/redact.ts). A retried append whose line is already the
   * journal's last (the write landed, its answer did not) is not written twice.
   */
  async appendRecord(rolloutId: string, record: DecisionRecord): Promise<void> {
    const line = `${JSON.stringify(redactDeep(record, secretValues(process.env)))}\n`;
    await this.replace(this.journalKey(rolloutId), (current) => {
      if (current?.endsWith(line)) return undefined;
      const base =
        current === undefined || current === "" || current.endsWith("\n") ? current : `${current}\n`;
      return `${base ?? ""}${line}`;
    });
  }

  /** Rollout `rolloutId`'s records, in order; a line that cannot be parsed is skipped. */
  async readJournal(rolloutId: string): Promise<DecisionRecord[]> {
    return parseJournal((await this.store.read(this.journalKey(rolloutId)))?.text ?? "");
  }

  /** The journal of the rollout the state names; empty when there is no state. */
  async readCurrentJournal(): Promise<DecisionRecord[]> {
    const state = await this.readState();
    return state ? this.readJournal(state.id) : [];
  }

  /** Every journal of the stage but `currentId`'s, oldest first (ids start with the ISO start time). */
  async readArchivedJournals(currentId?: string): Promise<ArchivedJournal[]> {
    const prefix = `${this.folder}/journals/`;
    const skip = currentId === undefined ? undefined : journalIdOf(currentId);
    const ids = (await this.store.list(prefix))
      .map((key) => key.slice(prefix.length))
      .filter((name) => name.endsWith(".jsonl") && !name.includes("/"))
      .map((name) => name.slice(0, -".jsonl".length))
      .filter((id) => id !== skip && /^\d{4}-/.test(id))
      .sort();
    const journals: ArchivedJournal[] = [];
    for (const id of ids) {
      const key = this.journalKey(id);
      journals.push({
        id,
        where: this.where(key),
        records: parseJournal((await this.store.read(key))?.text ?? ""),
      });
    }
    return journals;
  }

  /**
   * Leaves a request for the runner. Written only if no request is there, or over one the runner
   * would discard (another rollout's, unreadable); an abort also replaces a pending promote, pause
   * or resume of the same rollout (an emergency never queues behind them). Otherwise a pending
   * request for the same rollout stays, and this one is refused naming it.
   */
  async writeRequest(request: OperatorRequest): Promise<LeftRequest> {
    const text = JSON.stringify(request);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const found = await this.store.read(this.requestKey);
      const pending = found && requestFor(found.text, request.rolloutId);
      const overridden = request.action === "abort" && pending?.action !== "abort";
      if (pending && !overridden) return { pending: describeRequest(pending) };
      try {
        const condition = found ? { ifVersion: found.version } : ({ ifAbsent: true } as const);
        return { sent: { version: await this.store.write(this.requestKey, text, condition) } };
      } catch (error) {
        if (!(error instanceof PreconditionFailedError)) throw error;
      }
    }
    return { pending: "requests that kept changing (other operators are writing them)" };
  }

  /**
   * Takes a pending request for rollout `rolloutId` (`only`: just that action, any other left in
   * place): read, then removed on the version read, so two takers never both act on one. A request
   * for another rollout, or one that cannot be read, is removed and returned as discarded.
   */
  async takeRequest(rolloutId: string | undefined, only?: OperatorAction): Promise<TakenRequest | undefined> {
    const found = await this.store.read(this.requestKey);
    if (!found) return undefined;
    let request: Partial<OperatorRequest>;
    try {
      request = JSON.parse(found.text) as Partial<OperatorRequest>;
    } catch (error) {
      return this.discard(found.version, `an unreadable request (${(error as Error).message})`);
    }
    const what = describeRequest(request);
    if (!OPERATOR_ACTIONS.includes(request.action as OperatorAction))
      return this.discard(found.version, what);
    if (request.rolloutId !== rolloutId)
      return this.discard(found.version, `${what} (this rollout is ${rolloutId ?? "not started yet"})`);
    if (only && request.action !== only) return undefined;
    if (!(await this.removeIfUnchanged(this.requestKey, found.version))) return undefined;
    return { request: request as OperatorRequest };
  }

  /** Removes the request this command left, if it is still there unchanged (not taken, not replaced). */
  async withdrawRequest(sent: SentRequest): Promise<void> {
    await this.removeIfUnchanged(this.requestKey, sent.version);
  }

  private async discard(version: string, what: string): Promise<TakenRequest | undefined> {
    // Replaced meanwhile: the next look judges what replaced it.
    if (!(await this.removeIfUnchanged(this.requestKey, version))) return undefined;
    return { discarded: what };
  }

  /** Removes `key` at `version`; false when another writer changed it first. */
  private async removeIfUnchanged(key: string, version: string): Promise<boolean> {
    try {
      await this.store.remove(key, { ifVersion: version });
      return true;
    } catch (error) {
      if (error instanceof PreconditionFailedError) return false;
      throw error;
    }
  }

  /**
   * Writes `next(current text)` at `key` on the version this process knows (read first when it
   * knows none); when another writer changed the key, reads it again and retries. `next` returning
   * undefined means the text already says it.
   */
  private async replace(
    key: string,
    next: (current: string | undefined) => string | undefined,
  ): Promise<void> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const known = this.known.get(key) ?? (await this.readKnown(key));
      const text = next(known?.text);
      if (text === undefined) return;
      try {
        const version = await this.store.write(
          key,
          text,
          known ? { ifVersion: known.version } : { ifAbsent: true },
        );
        this.known.set(key, { text, version });
        return;
      } catch (error) {
        if (!(error instanceof PreconditionFailedError)) throw error;
        this.known.delete(key);
      }
    }
    throw new Error(
      `${this.where(key)} kept changing while it was written: another writer is active on this stage`,
    );
  }

  private async readKnown(key: string): Promise<{ text: string; version: string } | undefined> {
    const object = await this.store.read(key);
    if (!object) return undefined;
    const known = { text: object.text, version: object.version };
    this.known.set(key, known);
    return known;
  }
}

/** The records of a journal's text; a line that cannot be parsed (torn, foreign) is skipped. */
export function parseJournal(text: string): DecisionRecord[] {
  const records: DecisionRecord[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as DecisionRecord);
    } catch {
      // The state is the source of truth; a damaged line is no reason to lose the others.
    }
  }
  return records;
}

/** The request in `text` when it is a valid one for rollout `rolloutId`; else undefined. */
function requestFor(text: string, rolloutId: string): Partial<OperatorRequest> | undefined {
  try {
    const request = JSON.parse(text) as Partial<OperatorRequest>;
    const valid = OPERATOR_ACTIONS.includes(request.action as OperatorAction);
    return valid && request.rolloutId === rolloutId ? request : undefined;
  } catch {
    return undefined;
  }
}

function describeRequest(request: Partial<OperatorRequest>): string {
  const article = request.action === "abort" ? "an" : "a";
  return `${article} ${String(request.action)} request by ${String(request.by)} for rollout ${String(request.rolloutId)}`;
}
