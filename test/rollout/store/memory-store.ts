import {
  type ObjectStore,
  PreconditionFailedError,
  type StoredObject,
} from "../../../src/rollout/store/object-store";

/**
 * The ObjectStore contract in memory, with the store's clock in the test's hands (`storeNow`):
 * what lease tests need to move the store's time apart from the runner's. Optional `failWrites`
 * makes writes reject as an unreachable store would.
 */
export class MemoryStore implements ObjectStore {
  readonly description = "memory://test";
  storeNow = 1_000_000;
  failWrites: Error | undefined;
  private readonly objects = new Map<string, { text: string; version: string; updatedAtMs: number }>();
  private versions = 0;

  async read(key: string): Promise<StoredObject | undefined> {
    const found = this.objects.get(key);
    return found ? { ...found, readAtMs: this.storeNow } : undefined;
  }

  async write(
    key: string,
    text: string,
    condition: { ifAbsent: true } | { ifVersion: string },
  ): Promise<string> {
    if (this.failWrites) throw this.failWrites;
    const found = this.objects.get(key);
    if ("ifAbsent" in condition ? found !== undefined : found?.version !== condition.ifVersion)
      throw new PreconditionFailedError(key, "changed by another writer");
    const version = String(++this.versions);
    this.objects.set(key, { text, version, updatedAtMs: this.storeNow });
    return version;
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  async remove(key: string, condition?: { ifVersion: string }): Promise<void> {
    const found = this.objects.get(key);
    if (!found) return;
    if (condition && found.version !== condition.ifVersion) throw new PreconditionFailedError(key, "changed");
    this.objects.delete(key);
  }
}
