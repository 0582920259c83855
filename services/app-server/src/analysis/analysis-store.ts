import type { Conversation, Page } from '../domain/types.ts';
import type { AnalysisFields } from './analysis-schema.ts';
import type { LanePoint } from './lane-rates.ts';

export type AnalysisStatus = 'pending' | 'done' | 'failed';

/** The analysis of one conversation as stored. */
export interface ConversationAnalysis extends AnalysisFields {
  conversationId: string;
  status: AnalysisStatus;
  /** The whole validated answer (a profile's schema may add fields). */
  result: Record<string, unknown> | null;
  model: string | null;
  promptVersion: string | null;
  schemaVersion: string | null;
  attempts: number;
  error: string | null;
  analyzedAt: Date | null;
  updatedAt: Date;
}

export interface AnalysisResultInput {
  fields: AnalysisFields;
  result: Record<string, unknown>;
  model: string;
  promptVersion: string;
  schemaVersion: string;
}

export interface AnalysisFilter {
  sentiment?: string;
  intent?: string;
  /** A BCP 47 tag (lower-case): calls that were in it, or in a tag it is a prefix of (see speaksLanguage). */
  language?: string;
  /** Conversation startedAt >= from */
  from?: Date;
  /** Conversation startedAt < to */
  to?: Date;
  limit: number;
  cursor?: string;
}

/** A listed analysis with the conversation it belongs to. */
export interface AnalyzedConversation {
  conversation: Conversation;
  analysis: ConversationAnalysis;
}

/** What aggregates are computed from: one row per finished analysis, its day in the brand's zone. */
export interface AnalysisPoint {
  day: string;
  sentiment: string | null;
  intent: string | null;
  leadScore: number | null;
  /** The call's languages (BCP 47 tags). */
  languages: string[];
}

/** Most analyses one aggregate reads; a wider range is cut to the newest (the page says so). */
export const MAX_AGGREGATE_ROWS = 100_000;

/** Where analyses live: app-server's database, beside the conversations. Brand-scoped reads answer null for another brand. */
export interface AnalysisStore {
  /** Unscoped: for the worker. */
  get(conversationId: string): Promise<ConversationAnalysis | null>;
  getForBrand(brandId: string, conversationId: string): Promise<ConversationAnalysis | null>;
  /** Creates the row as pending, or sets an existing one pending (its last result stays until replaced). */
  markPending(conversationId: string): Promise<void>;
  /** Counts an attempt; returns the count. */
  recordAttempt(conversationId: string): Promise<number>;
  saveResult(conversationId: string, r: AnalysisResultInput): Promise<ConversationAnalysis>;
  /** `final`: no more attempts will come (status failed); otherwise it stays pending with the error noted. */
  saveFailure(conversationId: string, error: string, final: boolean): Promise<void>;
  /** Finished analyses of the brand, newest conversation first. */
  list(brandId: string, filter: AnalysisFilter): Promise<Page<AnalyzedConversation>>;
  /** Finished analyses in the range (days in `timeZone`), at most MAX_AGGREGATE_ROWS, newest first. */
  points(
    brandId: string,
    filter: Omit<AnalysisFilter, 'limit' | 'cursor'>,
    timeZone: string,
  ): Promise<AnalysisPoint[]>;
  /**
   * Finished analyses in the range whose call searched the knowledge base, each with the lane of its
   * first search (at most MAX_AGGREGATE_ROWS, newest first).
   */
  lanePoints(brandId: string, filter: Pick<AnalysisFilter, 'from' | 'to'>): Promise<LanePoint[]>;
}

/** The error text kept on a failed analysis: short, one line. */
export function errorNote(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  // Provider messages can quote part of a key ("Incorrect API key provided: sk-ab***yz").
  return text
    .replace(/\b(sk|sess|rk)-[A-Za-z0-9*_-]{4,}/g, '[key]')
    .replace(/\s+/g, ' ')
    .slice(0, 500);
}
