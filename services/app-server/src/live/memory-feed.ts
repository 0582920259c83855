import { inScope, type LiveFeed, type LiveRecord, type LiveRef, type LiveScope } from './feed.ts';

/** Changes kept for catching up; older ids answer `gone`. */
const KEPT = 10_000;

/** The change channel of a single process (the in-memory store): nothing to share it with. */
export class MemoryLiveFeed implements LiveFeed {
  private readonly records: LiveRecord[] = [];
  private readonly listeners = new Set<(r: LiveRecord) => void>();
  private nextId = 1;

  async append(refs: readonly LiveRef[]): Promise<void> {
    for (const ref of refs) {
      const record = { ...ref, id: this.nextId++ };
      this.records.push(record);
      if (this.records.length > KEPT) this.records.shift();
      for (const l of this.listeners) l(record);
    }
  }

  async announce(refs: readonly LiveRef[]): Promise<void> {
    for (const ref of refs) for (const l of this.listeners) l({ ...ref, id: 0 });
  }

  async since(scope: LiveScope, afterId: number): Promise<LiveRecord[] | 'gone'> {
    const oldest = this.records[0]?.id ?? this.nextId;
    if (afterId < oldest - 1) return 'gone';
    return this.records.filter((r) => r.id > afterId && inScope(r, scope));
  }

  async latestId(): Promise<number> {
    return this.nextId - 1;
  }

  async listen(onRecord: (r: LiveRecord) => void): Promise<() => void> {
    this.listeners.add(onRecord);
    return () => this.listeners.delete(onRecord);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
