/**
 * Where app-server keeps call recordings (one per conversation, deleted ones kept as the record of
 * the deletion) and each brand's retention, with the in-memory double the memory store uses.
 */
import type { Conversation } from '../domain/types.ts';

export type RecordingStatus = 'completed' | 'absent' | 'failed';

/** A call's recording as app-server knows it. */
export interface CallRecording {
  id: string;
  conversationId: string;
  recordingSid: string;
  accountSid: string;
  status: RecordingStatus;
  durationSec: number;
  channels: number;
  startedAt: Date | null;
  createdAt: Date;
  deletedAt: Date | null;
  /** `retention`, or the staff account that deleted it. */
  deletedBy: string | null;
}

/** A finished recording as voice-server reports it. */
export interface RecordingInput {
  recordingSid: string;
  accountSid: string;
  status: RecordingStatus;
  durationSec: number;
  channels: number;
  startedAt: Date | null;
}

export interface RecordingStore {
  /** Stores the conversation's recording; a deleted one stays deleted (a late or repeated callback). */
  save(conversationId: string, input: RecordingInput): Promise<CallRecording>;
  forConversation(conversationId: string): Promise<CallRecording | null>;
  markDeleted(id: string, by: string, at: Date): Promise<void>;
  /** The brand's retention in days; null keeps recordings until staff delete them. */
  setRetention(brandId: string, days: number | null): Promise<void>;
  retentionOf(brandId: string): Promise<number | null>;
  /** Recordings not yet deleted whose brand's retention has run out at `now`, oldest first. */
  expired(now: Date, limit: number): Promise<CallRecording[]>;
}

const DAY_MS = 86_400_000;

/** The RecordingStore in memory, reading conversations' brands from the memory store. */
export class MemoryRecordingStore implements RecordingStore {
  private readonly rows = new Map<string, CallRecording>();
  private readonly retention = new Map<string, number>();

  constructor(private readonly conversation: (id: string) => Conversation | undefined) {}

  async save(conversationId: string, input: RecordingInput): Promise<CallRecording> {
    const existing = this.rows.get(conversationId);
    if (existing?.deletedAt) return { ...existing };
    const row: CallRecording = {
      id: existing?.id ?? crypto.randomUUID(),
      conversationId,
      ...input,
      createdAt: existing?.createdAt ?? new Date(),
      deletedAt: null,
      deletedBy: null,
    };
    this.rows.set(conversationId, row);
    return { ...row };
  }

  async forConversation(conversationId: string): Promise<CallRecording | null> {
    const row = this.rows.get(conversationId);
    return row ? { ...row } : null;
  }

  async markDeleted(id: string, by: string, at: Date): Promise<void> {
    for (const row of this.rows.values())
      if (row.id === id && !row.deletedAt) Object.assign(row, { deletedAt: at, deletedBy: by });
  }

  async setRetention(brandId: string, days: number | null): Promise<void> {
    if (days === null) this.retention.delete(brandId);
    else this.retention.set(brandId, days);
  }

  async retentionOf(brandId: string): Promise<number | null> {
    return this.retention.get(brandId) ?? null;
  }

  async expired(now: Date, limit: number): Promise<CallRecording[]> {
    return [...this.rows.values()]
      .filter((r) => {
        const brandId = this.conversation(r.conversationId)?.brandId;
        const days = brandId ? this.retention.get(brandId) : undefined;
        return !r.deletedAt && days !== undefined && r.createdAt.getTime() <= now.getTime() - days * DAY_MS;
      })
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .slice(0, limit)
      .map((r) => ({ ...r }));
  }
}
