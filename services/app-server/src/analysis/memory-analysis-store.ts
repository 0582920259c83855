import { speaksLanguage } from '../domain/languages.ts';
import type { Conversation, Message, Page } from '../domain/types.ts';
import { decodeCursor, encodeCursor } from '../store/store.ts';
import {
  type AnalysisFilter,
  type AnalysisPoint,
  type AnalysisResultInput,
  type AnalysisStore,
  type AnalyzedConversation,
  type ConversationAnalysis,
  MAX_AGGREGATE_ROWS,
} from './analysis-store.ts';
import { type LanePoint, laneOfToolCall } from './lane-rates.ts';

const dayFormats = new Map<string, Intl.DateTimeFormat>();
/** YYYY-MM-DD of `at` in `timeZone`. */
export function dayIn(at: Date, timeZone: string): string {
  let f = dayFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, f);
  }
  return f.format(at);
}

/** The in-memory double of AnalysisStore, beside MemoryStore (which hands it its conversations). */
export class MemoryAnalysisStore implements AnalysisStore {
  private readonly rows = new Map<string, ConversationAnalysis>();

  constructor(
    private readonly conversation: (id: string) => Conversation | undefined,
    private readonly messages: (id: string) => readonly Message[] = () => [],
  ) {}

  async get(id: string): Promise<ConversationAnalysis | null> {
    const r = this.rows.get(id);
    return r ? { ...r } : null;
  }

  async getForBrand(brandId: string, id: string): Promise<ConversationAnalysis | null> {
    return this.conversation(id)?.brandId === brandId ? this.get(id) : null;
  }

  private upsert(id: string, patch: Partial<ConversationAnalysis>): ConversationAnalysis {
    if (!this.conversation(id)) throw new Error('no such conversation');
    const prev: ConversationAnalysis = this.rows.get(id) ?? {
      conversationId: id,
      status: 'pending',
      summary: null,
      sentiment: null,
      intent: null,
      resolution: null,
      leadScore: null,
      result: null,
      model: null,
      promptVersion: null,
      schemaVersion: null,
      attempts: 0,
      error: null,
      analyzedAt: null,
      updatedAt: new Date(),
    };
    const next = { ...prev, ...patch, updatedAt: new Date() };
    this.rows.set(id, next);
    return next;
  }

  async markPending(id: string): Promise<void> {
    this.upsert(id, { status: 'pending', error: null });
  }

  async recordAttempt(id: string): Promise<number> {
    return this.upsert(id, { attempts: (this.rows.get(id)?.attempts ?? 0) + 1 }).attempts;
  }

  async saveResult(id: string, r: AnalysisResultInput): Promise<ConversationAnalysis> {
    return {
      ...this.upsert(id, {
        status: 'done',
        ...r.fields,
        result: r.result,
        model: r.model,
        promptVersion: r.promptVersion,
        schemaVersion: r.schemaVersion,
        error: null,
        analyzedAt: new Date(),
      }),
    };
  }

  async saveFailure(id: string, error: string, final: boolean): Promise<void> {
    this.upsert(id, { status: final ? 'failed' : 'pending', error });
  }

  private matching(brandId: string, f: Omit<AnalysisFilter, 'limit' | 'cursor'>): AnalyzedConversation[] {
    const out: AnalyzedConversation[] = [];
    for (const a of this.rows.values()) {
      const c = this.conversation(a.conversationId);
      if (!c || c.brandId !== brandId || a.status !== 'done') continue;
      if (f.sentiment && a.sentiment !== f.sentiment) continue;
      if (f.intent && a.intent !== f.intent) continue;
      if (f.language && !speaksLanguage(c.languages, f.language)) continue;
      if (f.from && c.startedAt < f.from) continue;
      if (f.to && c.startedAt >= f.to) continue;
      out.push({ conversation: c, analysis: { ...a } });
    }
    return out.sort(
      (x, y) =>
        y.conversation.startedAt.getTime() - x.conversation.startedAt.getTime() ||
        (y.conversation.id < x.conversation.id ? -1 : y.conversation.id > x.conversation.id ? 1 : 0),
    );
  }

  async list(brandId: string, f: AnalysisFilter): Promise<Page<AnalyzedConversation>> {
    const after = f.cursor ? decodeCursor(f.cursor) : undefined;
    const rows = this.matching(brandId, f).filter(
      (r) =>
        !after ||
        r.conversation.startedAt < after.at ||
        (r.conversation.startedAt.getTime() === after.at.getTime() && r.conversation.id < after.id),
    );
    const items = rows.slice(0, f.limit);
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        rows.length > f.limit && last
          ? encodeCursor(last.conversation.startedAt, last.conversation.id)
          : null,
    };
  }

  async points(
    brandId: string,
    f: Omit<AnalysisFilter, 'limit' | 'cursor'>,
    timeZone: string,
  ): Promise<AnalysisPoint[]> {
    return this.matching(brandId, f)
      .slice(0, MAX_AGGREGATE_ROWS)
      .map(({ conversation: c, analysis: a }) => ({
        day: dayIn(c.startedAt, timeZone),
        sentiment: a.sentiment,
        intent: a.intent,
        leadScore: a.leadScore,
        languages: [...c.languages],
      }));
  }

  async lanePoints(brandId: string, f: Pick<AnalysisFilter, 'from' | 'to'>): Promise<LanePoint[]> {
    return this.matching(brandId, f)
      .flatMap(({ conversation: c, analysis: a }) => {
        const first = [...this.messages(c.id)]
          .sort((x, y) => x.sequence - y.sequence)
          .map(laneOfToolCall)
          .find((lane) => lane !== null);
        return first ? [{ lane: first, resolution: a.resolution, endReason: c.endReason }] : [];
      })
      .slice(0, MAX_AGGREGATE_ROWS);
  }
}
