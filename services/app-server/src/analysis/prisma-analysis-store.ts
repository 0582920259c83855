import type { SqlRunner } from '@switchboard/db';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import type { Conversation, Page } from '../domain/types.ts';
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
import { KNOWLEDGE_TOOLS, type LanePoint } from './lane-rates.ts';

type Row = NonNullable<Awaited<ReturnType<PrismaClient['conversationAnalysis']['findUnique']>>>;

function toAnalysis(r: Row): ConversationAnalysis {
  return {
    conversationId: r.conversationId,
    status: r.status,
    summary: r.summary,
    sentiment: r.sentiment,
    intent: r.intent,
    resolution: r.resolution,
    leadScore: r.leadScore,
    result: (r.result as Record<string, unknown> | null) ?? null,
    model: r.model,
    promptVersion: r.promptVersion,
    schemaVersion: r.schemaVersion,
    attempts: r.attempts,
    error: r.error,
    analyzedAt: r.analyzedAt,
    updatedAt: r.updatedAt,
  };
}

/** Analyses on Postgres (or PGlite) through app-server's Prisma client; aggregates in SQL. */
export class PrismaAnalysisStore implements AnalysisStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlRunner,
    private readonly toConversation: (row: never) => Conversation,
  ) {}

  async get(conversationId: string): Promise<ConversationAnalysis | null> {
    const r = await this.prisma.conversationAnalysis.findUnique({ where: { conversationId } });
    return r ? toAnalysis(r) : null;
  }

  async getForBrand(brandId: string, conversationId: string): Promise<ConversationAnalysis | null> {
    const r = await this.prisma.conversationAnalysis.findFirst({
      where: { conversationId, conversation: { brandId } },
    });
    return r ? toAnalysis(r) : null;
  }

  async markPending(conversationId: string): Promise<void> {
    await this.prisma.conversationAnalysis.upsert({
      where: { conversationId },
      create: { conversationId, status: 'pending' },
      update: { status: 'pending', error: null },
    });
  }

  async recordAttempt(conversationId: string): Promise<number> {
    const r = await this.prisma.conversationAnalysis.upsert({
      where: { conversationId },
      create: { conversationId, status: 'pending', attempts: 1 },
      update: { attempts: { increment: 1 } },
    });
    return r.attempts;
  }

  async saveResult(conversationId: string, r: AnalysisResultInput): Promise<ConversationAnalysis> {
    const data = {
      status: 'done' as const,
      ...r.fields,
      result: r.result as Prisma.InputJsonValue,
      model: r.model,
      promptVersion: r.promptVersion,
      schemaVersion: r.schemaVersion,
      error: null,
      analyzedAt: new Date(),
    };
    const row = await this.prisma.conversationAnalysis.upsert({
      where: { conversationId },
      create: { conversationId, ...data },
      update: data,
    });
    return toAnalysis(row);
  }

  async saveFailure(conversationId: string, error: string, final: boolean): Promise<void> {
    const status = final ? ('failed' as const) : ('pending' as const);
    await this.prisma.conversationAnalysis.upsert({
      where: { conversationId },
      create: { conversationId, status, error },
      update: { status, error },
    });
  }

  async list(brandId: string, f: AnalysisFilter): Promise<Page<AnalyzedConversation>> {
    const after = f.cursor ? decodeCursor(f.cursor) : undefined;
    // Prisma cannot match array elements by prefix: the language filter picks the page's ids in SQL.
    const ids = f.language ? await this.pageIdsInLanguage(brandId, f) : undefined;
    const rows = await this.prisma.conversationAnalysis.findMany({
      where: {
        status: 'done',
        ...(ids ? { conversationId: { in: ids } } : {}),
        ...(f.sentiment ? { sentiment: f.sentiment } : {}),
        ...(f.intent ? { intent: f.intent } : {}),
        conversation: {
          brandId,
          ...(f.from || f.to
            ? { startedAt: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lt: f.to } : {}) } }
            : {}),
        },
        ...(after
          ? {
              OR: [
                { conversation: { startedAt: { lt: after.at } } },
                { conversation: { startedAt: after.at }, conversationId: { lt: after.id } },
              ],
            }
          : {}),
      },
      include: { conversation: true },
      orderBy: [{ conversation: { startedAt: 'desc' } }, { conversationId: 'desc' }],
      take: f.limit + 1,
    });
    const items = rows.slice(0, f.limit).map((r) => ({
      conversation: this.toConversation(r.conversation as never),
      analysis: toAnalysis(r),
    }));
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        rows.length > f.limit && last
          ? encodeCursor(last.conversation.startedAt, last.conversation.id)
          : null,
    };
  }

  /** The ids of one page (plus one) of finished analyses in `f.language`, newest call first. */
  private async pageIdsInLanguage(brandId: string, f: AnalysisFilter): Promise<string[]> {
    const params: unknown[] = [brandId];
    const where = analysisWhere(f, params);
    const after = f.cursor ? decodeCursor(f.cursor) : undefined;
    if (after) {
      params.push(after.at.toISOString(), after.id);
      const [at, id] = [`$${params.length - 1}`, `$${params.length}`];
      where.push(`(c.started_at < ${at} OR (c.started_at = ${at} AND a.conversation_id < ${id}))`);
    }
    const rows = await this.sql.query<{ id: string }>(
      `SELECT a.conversation_id AS id
         FROM conversation_analysis a JOIN conversation c ON c.id = a.conversation_id
        WHERE ${where.join(' AND ')}
        ORDER BY c.started_at DESC, a.conversation_id DESC LIMIT ${f.limit + 1}`,
      params,
    );
    return rows.map((r) => r.id);
  }

  async points(
    brandId: string,
    f: Omit<AnalysisFilter, 'limit' | 'cursor'>,
    timeZone: string,
  ): Promise<AnalysisPoint[]> {
    const params: unknown[] = [brandId, timeZone];
    const where = analysisWhere(f, params);
    const rows = await this.sql.query<{
      day: string;
      sentiment: string | null;
      intent: string | null;
      lead_score: number | null;
      languages: string[] | null;
    }>(
      `SELECT to_char(c.started_at AT TIME ZONE $2, 'YYYY-MM-DD') AS day, a.sentiment, a.intent, a.lead_score,
              c.languages
         FROM conversation_analysis a JOIN conversation c ON c.id = a.conversation_id
        WHERE ${where.join(' AND ')}
        ORDER BY c.started_at DESC LIMIT ${MAX_AGGREGATE_ROWS}`,
      params,
    );
    return rows.map((r) => ({
      day: r.day,
      sentiment: r.sentiment,
      intent: r.intent,
      leadScore: r.lead_score,
      languages: r.languages ?? [],
    }));
  }

  async lanePoints(brandId: string, f: Pick<AnalysisFilter, 'from' | 'to'>): Promise<LanePoint[]> {
    const params: unknown[] = [brandId, [...KNOWLEDGE_TOOLS]];
    const where = ['c.brand_id = $1', "a.status = 'done'"];
    if (f.from) where.push(`c.started_at >= $${params.push(f.from.toISOString())}`);
    if (f.to) where.push(`c.started_at < $${params.push(f.to.toISOString())}`);
    // The lane of each call's first knowledge search that names one (see laneOfToolCall).
    const rows = await this.sql.query<{ lane: string; resolution: string | null; end_reason: string | null }>(
      `SELECT l.lane, a.resolution, c.end_reason
         FROM conversation_analysis a JOIN conversation c ON c.id = a.conversation_id
         CROSS JOIN LATERAL (
           SELECT m.tool_result->>'lane' AS lane FROM message m
            WHERE m.conversation_id = c.id AND m.tool_name = ANY($2::text[])
              AND jsonb_typeof(m.tool_result->'lane') = 'string'
              AND length(m.tool_result->>'lane') BETWEEN 1 AND 64
            ORDER BY m.sequence LIMIT 1) l
        WHERE ${where.join(' AND ')}
        ORDER BY c.started_at DESC LIMIT ${MAX_AGGREGATE_ROWS}`,
      params,
    );
    return rows.map((r) => ({ lane: r.lane, resolution: r.resolution, endReason: r.end_reason }));
  }
}

/** The filters as SQL conditions on `conversation_analysis a` joined with `conversation c` (brand is $1). */
function analysisWhere(f: Omit<AnalysisFilter, 'limit' | 'cursor'>, params: unknown[]): string[] {
  const where = ['c.brand_id = $1', "a.status = 'done'"];
  const add = (clause: string, v: unknown) => {
    params.push(v);
    where.push(clause.replaceAll('?', `$${params.length}`));
  };
  if (f.sentiment) add('a.sentiment = ?', f.sentiment);
  if (f.intent) add('a.intent = ?', f.intent);
  if (f.from) add('c.started_at >= ?', f.from.toISOString());
  if (f.to) add('c.started_at < ?', f.to.toISOString());
  if (f.language)
    add(
      "EXISTS (SELECT 1 FROM unnest(c.languages) l WHERE lower(l) = ? OR starts_with(lower(l), ? || '-'))",
      f.language.toLowerCase(),
    );
  return where;
}
