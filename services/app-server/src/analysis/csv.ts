import type { AnalyzedConversation } from './analysis-store.ts';

/**
 * One CSV cell (RFC 4180 quoting). A cell a spreadsheet would read as a formula (starting with = + - @,
 * or a tab or carriage return before one) gets a leading apostrophe, as OWASP's CSV-injection advice says.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER = [
  'conversation_id',
  'started_at',
  'caller',
  'bot_profile',
  'duration_sec',
  'sentiment',
  'intent',
  'resolution',
  'lead_score',
  'summary',
  'model',
  'prompt_version',
  'schema_version',
  'analyzed_at',
  'languages',
] as const;

/** The caller's number with all but the last four digits hidden (exports leave the UI). */
export function maskedNumber(n: string): string {
  return n.length <= 4 ? '****' : `${'*'.repeat(Math.min(8, n.length - 4))}${n.slice(-4)}`;
}

export function csvRow(r: AnalyzedConversation): string {
  const { conversation: c, analysis: a } = r;
  return [
    c.id,
    c.startedAt,
    maskedNumber(c.callerNumber),
    c.botProfileKey,
    c.durationSec === null ? '' : Math.round(c.durationSec),
    a.sentiment,
    a.intent,
    a.resolution,
    a.leadScore,
    a.summary,
    a.model,
    a.promptVersion,
    a.schemaVersion,
    a.analyzedAt,
    c.languages.join(' '),
  ]
    .map(csvCell)
    .join(',');
}
