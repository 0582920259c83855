import type { SqlRunner } from '@switchboard/db';
import {
  compactRecord,
  type LiveFeed,
  type LiveKind,
  type LiveRecord,
  type LiveRef,
  type LiveScope,
  parseLivePayload,
} from './feed.ts';

/** The NOTIFY channel every replica listens on. */
export const LIVE_CHANNEL = 'switchboard_live';
/** NOTIFY payloads must stay under 8000 bytes; records are sent in chunks below this. */
const MAX_PAYLOAD_BYTES = 7_000;
/** A catch-up longer than this is answered `gone` (the stream starts over from a snapshot). */
const MAX_CATCH_UP = 5_000;
/** How long changes are kept for catching up, and how often old ones are deleted. */
const KEEP_INTERVAL = "interval '1 day'";
const PRUNE_EVERY_MS = 10 * 60_000;
/** A change may commit after a later-numbered one; catch-ups also resend what is this recent. */
const RECENT_INTERVAL = "interval '5 seconds'";
/** Delivered ids remembered to drop the repeats a catch-up after a reconnect brings. */
const REMEMBERED_IDS = 20_000;

/** Where announcements come from: PGlite's listen, or a dedicated Postgres connection. */
export interface NotificationSource {
  /**
   * Calls `onPayload` for each notification on `channel`, and `onGap` after a reconnect (when
   * notifications may have been missed). Resolves once listening.
   */
  listen(channel: string, onPayload: (payload: string) => void, onGap: () => void): Promise<void>;
  close(): Promise<void>;
}

/** Ids come back as text (bigint); queries order by the column, never by that text. */
interface Row {
  id: string;
  brand_id: string | null;
  conversation_id: string;
  kind: string;
  ref: string | null;
}

const toRecord = (r: Row): LiveRecord => ({
  id: Number(r.id),
  brandId: r.brand_id,
  conversationId: r.conversation_id,
  kind: r.kind as LiveKind,
  ref: r.ref,
});

/** Splits records into NOTIFY payloads under the size limit. */
export function payloadChunks(records: readonly LiveRecord[]): string[] {
  const out: string[] = [];
  let chunk: string[] = [];
  let size = 2;
  for (const r of records) {
    const json = JSON.stringify(compactRecord(r));
    if (chunk.length && size + json.length + 1 > MAX_PAYLOAD_BYTES) {
      out.push(`[${chunk.join(',')}]`);
      chunk = [];
      size = 2;
    }
    chunk.push(json);
    size += Buffer.byteLength(json) + 1;
  }
  if (chunk.length) out.push(`[${chunk.join(',')}]`);
  return out;
}

/**
 * The change channel on the database: changes go to the `live_event` table and are announced with
 * NOTIFY in the same transaction, so every replica (and PGlite's single process) hears them after
 * they commit, in commit order. The table lets a stream catch up, and a replica whose listening
 * connection dropped recover what it missed.
 */
export class SqlLiveFeed implements LiveFeed {
  private lastPruneMs = 0;
  private readonly delivered = new Set<number>();
  private readonly listeners = new Set<(r: LiveRecord) => void>();
  private listening: Promise<void> | undefined;
  private highest = 0;

  constructor(
    private readonly sql: SqlRunner,
    private readonly notifications: NotificationSource,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async append(refs: readonly LiveRef[]): Promise<void> {
    if (!refs.length) return;
    await this.sql.transaction(async (tx) => {
      const rows = await tx.query<Row>(
        `INSERT INTO live_event (brand_id, conversation_id, kind, ref)
         SELECT b, c, k, r FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(b, c, k, r, n)
         ORDER BY n
         RETURNING id::text AS id, brand_id, conversation_id, kind, ref`,
        [
          refs.map((r) => r.brandId),
          refs.map((r) => r.conversationId),
          refs.map((r) => r.kind),
          refs.map((r) => r.ref),
        ],
      );
      const records = rows.map(toRecord).sort((a, b) => a.id - b.id);
      for (const payload of payloadChunks(records))
        await tx.query('SELECT pg_notify($1, $2)', [LIVE_CHANNEL, payload]);
    });
    this.pruneNowAndThen();
  }

  async announce(refs: readonly LiveRef[]): Promise<void> {
    const records = refs.map((r) => ({ ...r, id: 0 }));
    for (const payload of payloadChunks(records))
      await this.sql.query('SELECT pg_notify($1, $2)', [LIVE_CHANNEL, payload]);
  }

  async since(scope: LiveScope, afterId: number): Promise<LiveRecord[] | 'gone'> {
    const [bounds] = await this.sql.query<{ min: string | null }>(
      'SELECT min(id)::text AS min FROM live_event',
    );
    const oldest = bounds?.min === null || bounds?.min === undefined ? undefined : Number(bounds.min);
    if (oldest === undefined ? afterId > 0 : afterId < oldest - 1) return 'gone';
    const column = 'brandId' in scope ? 'brand_id' : 'conversation_id';
    const value = 'brandId' in scope ? scope.brandId : scope.conversationId;
    const rows = await this.sql.query<Row>(
      `SELECT e.id::text AS id, e.brand_id, e.conversation_id, e.kind, e.ref FROM live_event e
       WHERE e.${column} = $1 AND (e.id > $2 OR e.created_at > now() - ${RECENT_INTERVAL})
       ORDER BY e.id LIMIT ${MAX_CATCH_UP + 1}`,
      [value, afterId],
    );
    return rows.length > MAX_CATCH_UP ? 'gone' : rows.map(toRecord);
  }

  async latestId(): Promise<number> {
    const [row] = await this.sql.query<{ max: string }>(
      'SELECT coalesce(max(id), 0)::text AS max FROM live_event',
    );
    return Number(row?.max ?? 0);
  }

  async listen(onRecord: (r: LiveRecord) => void): Promise<() => void> {
    this.listening ??= (async () => {
      this.highest = await this.latestId();
      await this.notifications.listen(
        LIVE_CHANNEL,
        (payload) => {
          for (const r of parseLivePayload(payload)) this.deliver(r);
        },
        () => void this.recover(),
      );
    })();
    await this.listening;
    this.listeners.add(onRecord);
    return () => this.listeners.delete(onRecord);
  }

  close(): Promise<void> {
    this.listeners.clear();
    return this.notifications.close();
  }

  /** After a reconnect: what was recorded while this replica was not listening. */
  private async recover(): Promise<void> {
    const rows = await this.sql
      .query<Row>(
        `SELECT e.id::text AS id, e.brand_id, e.conversation_id, e.kind, e.ref FROM live_event e
         WHERE e.id > $1 OR e.created_at > now() - ${RECENT_INTERVAL} ORDER BY e.id LIMIT ${MAX_CATCH_UP}`,
        [this.highest],
      )
      .catch(() => [] as Row[]);
    for (const r of rows) this.deliver(toRecord(r));
  }

  private deliver(r: LiveRecord): void {
    if (r.id === 0) {
      for (const l of this.listeners) l(r);
      return;
    }
    if (this.delivered.has(r.id)) return;
    this.delivered.add(r.id);
    if (this.delivered.size > REMEMBERED_IDS) {
      const oldest = this.delivered.values().next().value;
      if (oldest !== undefined) this.delivered.delete(oldest);
    }
    this.highest = Math.max(this.highest, r.id);
    for (const l of this.listeners) l(r);
  }

  private pruneNowAndThen(): void {
    const now = this.nowMs();
    if (now - this.lastPruneMs < PRUNE_EVERY_MS) return;
    this.lastPruneMs = now;
    void this.sql
      .query(`DELETE FROM live_event WHERE created_at < now() - ${KEEP_INTERVAL}`)
      .catch(() => undefined);
  }
}
