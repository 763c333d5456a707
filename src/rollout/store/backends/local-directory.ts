import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, unlinkSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fsyncDirectory, storeIo } from "../io";
import { checkObjectKey, checkObjectPrefix, compareKeys } from "../object-key";
import {
  type ObjectStore,
  PreconditionFailedError,
  type StoredObject,
  type WriteCondition,
} from "../object-store";
import { DEFAULT_KEY_MUTEX, type KeyMutexOptions, withKeyMutex } from "./key-mutex";

/**
 * The store in a local directory (rehearsal, tests, one machine): key `a/b` is the file `<dir>/a/b`.
 * Each file starts with one header line, `{"version":…,"updatedAtMs":…}`, then the text, and is
 * replaced atomically (temp file, fsync, rename, fsync of the directory), so a read sees the text
 * and its version together. The version is a write counter plus a random write id: it changes on
 * every write, also when the same text is written again or a removed key is written anew.
 * Conditional writes and removes hold the key's mutex file (key-mutex.ts) for one read and one write.
 *
 * A key cannot also be the folder of another key here (`a` and `a/b`), unlike in a bucket.
 */

interface Header {
  version: string;
  updatedAtMs: number;
}

export interface LocalDirectoryOptions {
  /** The store's clock (epoch ms): `updatedAtMs` and `readAtMs`. */
  now?: () => number;
  mutex?: Partial<KeyMutexOptions>;
}

export class LocalDirectoryStore implements ObjectStore {
  readonly description: string;
  private readonly root: string;
  private readonly now: () => number;
  private readonly mutex: KeyMutexOptions;

  constructor(directory: string, options: LocalDirectoryOptions = {}) {
    this.root = resolve(directory);
    this.description = this.root;
    this.now = options.now ?? Date.now;
    this.mutex = { ...DEFAULT_KEY_MUTEX, now: this.now, ...options.mutex };
  }

  async read(key: string, signal?: AbortSignal): Promise<StoredObject | undefined> {
    checkObjectKey(key);
    signal?.throwIfAborted();
    const readAtMs = this.now();
    const stored = readStored(this.pathOf(key));
    return (
      stored && {
        text: stored.text,
        version: stored.header.version,
        updatedAtMs: stored.header.updatedAtMs,
        readAtMs,
      }
    );
  }

  async write(key: string, text: string, condition: WriteCondition, signal?: AbortSignal): Promise<string> {
    checkObjectKey(key);
    const path = this.pathOf(key);
    this.makeFolder(key, path);
    return withKeyMutex(
      mutexPathOf(path),
      this.mutex,
      () => {
        const current = readStored(path)?.header;
        refuseUnlessHolds(key, current, condition);
        const header: Header = { version: nextVersion(current?.version), updatedAtMs: this.now() };
        replaceFile(path, `${JSON.stringify(header)}\n${text}`);
        return header.version;
      },
      signal,
    );
  }

  async list(prefix: string, signal?: AbortSignal): Promise<string[]> {
    checkObjectPrefix(prefix);
    signal?.throwIfAborted();
    const folder = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
    return keysUnder(join(this.root, ...folder.split("/")), folder)
      .filter((key) => key.startsWith(prefix))
      .sort(compareKeys);
  }

  async remove(key: string, condition?: { ifVersion: string }, signal?: AbortSignal): Promise<void> {
    checkObjectKey(key);
    const path = this.pathOf(key);
    if (!readStored(path)) return;
    await withKeyMutex(
      mutexPathOf(path),
      this.mutex,
      () => {
        const current = readStored(path)?.header;
        if (!current) return;
        if (condition) refuseUnlessHolds(key, current, condition);
        unlinkSync(path);
        fsyncDirectory(dirname(path));
      },
      signal,
    );
  }

  private pathOf(key: string): string {
    return join(this.root, ...key.split("/"));
  }

  private makeFolder(key: string, path: string): void {
    try {
      storeIo.mkdir(dirname(path));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOTDIR" && code !== "EEXIST") throw error;
      throw new Error(
        `the key ${JSON.stringify(key)} cannot be stored in ${this.root}: one of its folders is a key already (a local directory cannot hold both \`a\` and \`a/b\`); choose keys that are never a prefix folder of another`,
      );
    }
  }
}

function mutexPathOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.mutex`);
}

function refuseUnlessHolds(key: string, current: Header | undefined, condition: WriteCondition): void {
  if ("ifAbsent" in condition) {
    if (current)
      throw new PreconditionFailedError(key, `exists (version ${current.version}); expected absent`);
    return;
  }
  if (current?.version !== condition.ifVersion)
    throw new PreconditionFailedError(
      key,
      `${current ? `is at version ${current.version}` : "is absent"}; expected version ${condition.ifVersion}`,
    );
}

/** `<counter>.<write id>`: the counter orders a key's writes for people, the id makes each unique. */
function nextVersion(previous: string | undefined): string {
  const counter = Number.parseInt(previous?.split(".")[0] ?? "0", 10) || 0;
  return `${counter + 1}.${randomBytes(6).toString("hex")}`;
}

function readStored(path: string): { header: Header; text: string } | undefined {
  let content: string;
  try {
    content = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A missing file, or a folder of other keys: no object at this key.
    if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR") return undefined;
    throw error;
  }
  const newline = content.indexOf("\n");
  try {
    const header = JSON.parse(content.slice(0, newline)) as Header;
    if (typeof header.version !== "string" || typeof header.updatedAtMs !== "number")
      throw new Error("no version");
    return { header, text: content.slice(newline + 1) };
  } catch (error) {
    throw new Error(
      `${path} is not an object this store wrote (its first line must be its version header: ${(error as Error).message}); move it out of the store's directory`,
    );
  }
}

/** Temp file in the same folder, fsync, rename over the old one, fsync the folder. */
function replaceFile(path: string, content: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = storeIo.open(temp, "wx", 0o644);
  try {
    storeIo.write(fd, content);
    storeIo.fsync(fd, "file");
  } catch (error) {
    storeIo.close(fd);
    unlinkQuietly(temp);
    throw error;
  }
  storeIo.close(fd);
  try {
    storeIo.rename(temp, path);
  } catch (error) {
    unlinkQuietly(temp);
    throw error;
  }
  fsyncDirectory(dirname(path));
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/** Every key stored under `dir` (which holds the keys under `folder`); the store's own files skipped. */
function keysUnder(dir: string, folder: string): string[] {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw error;
  }
  return entries
    .filter((entry) => !entry.name.startsWith("."))
    .flatMap((entry) => {
      const key = folder === "" ? entry.name : `${folder}/${entry.name}`;
      return entry.isDirectory() ? keysUnder(join(dir, entry.name), key) : [key];
    });
}
