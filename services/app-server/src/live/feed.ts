/** What kind of thing changed. */
export const LIVE_KINDS = ['conversation', 'message', 'ticket', 'levels'] as const;
export type LiveKind = (typeof LIVE_KINDS)[number];

/** A change worth showing live: which conversation, and which of its parts. */
export interface LiveRef {
  /** The conversation's brand when it changed; null reaches nobody. */
  brandId: string | null;
  conversationId: string;
  kind: LiveKind;
  /** The message sequence, the ticket id, or the levels (JSON); null for the conversation itself. */
  ref: string | null;
}

/**
 * A recorded change; ids grow in the order changes were recorded, across every replica. Id 0: passing
 * news that was announced but not recorded (audio levels), never caught up on.
 */
export interface LiveRecord extends LiveRef {
  id: number;
}

/** Which changes a stream follows. */
export type LiveScope = { brandId: string } | { conversationId: string };

/**
 * The shared change channel of every app-server replica: changes are recorded (so a stream that
 * dropped can catch up from the last id it saw) and announced to every replica, this one included.
 */
export interface LiveFeed {
  /** Records the changes, in order, and announces them. */
  append(refs: readonly LiveRef[]): Promise<void>;
  /** Announces passing news to every replica without recording it (delivered with id 0). */
  announce(refs: readonly LiveRef[]): Promise<void>;
  /**
   * Changes in `scope` after `afterId`, oldest first, plus any recorded in the last few seconds (a
   * change can commit after a later-numbered one). `gone` when `afterId` is older than what is kept.
   */
  since(scope: LiveScope, afterId: number): Promise<LiveRecord[] | 'gone'>;
  /** The newest change's id (0 when there is none). */
  latestId(): Promise<number>;
  /** Delivers every change announced from now on, in the order they were committed; returns the way to stop. */
  listen(onRecord: (record: LiveRecord) => void): Promise<() => void>;
  close(): Promise<void>;
}

/** True when a record belongs to the scope. */
export function inScope(r: LiveRef, scope: LiveScope): boolean {
  return 'brandId' in scope ? r.brandId === scope.brandId : r.conversationId === scope.conversationId;
}

/** A record as announced (NOTIFY payloads carry arrays of these; short keys keep them small). */
export function compactRecord(r: LiveRecord): Record<string, unknown> {
  return { id: r.id, b: r.brandId, c: r.conversationId, k: r.kind, r: r.ref };
}

/** Parses an announcement (a JSON array of compact records); what is not a record is left out. */
export function parseLivePayload(payload: string): LiveRecord[] {
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    return [];
  }
  if (!Array.isArray(v)) return [];
  return v.flatMap((item) => {
    const r = parseRecord(item);
    return r ? [r] : [];
  });
}

function parseRecord(v: unknown): LiveRecord | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const id = Number(o.id);
  if (!Number.isSafeInteger(id) || id < 0) return undefined;
  if (typeof o.c !== 'string' || !LIVE_KINDS.includes(o.k as LiveKind)) return undefined;
  return {
    id,
    brandId: typeof o.b === 'string' ? o.b : null,
    conversationId: o.c,
    kind: o.k as LiveKind,
    ref: typeof o.r === 'string' ? o.r : null,
  };
}
