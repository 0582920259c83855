import { type Logger, maskPhone } from '@switchboard/service-kit';
import type { CallAiServer, CallProfile, KnowledgeHit, ToolExecution } from '../ports/ai-server.ts';
import { errSummary, isPeerUnavailable } from './peer-errors.ts';

/** The CallAiServer methods whose last good answer may stand in during an outage. */
export type CachedAiMethod =
  | 'lookupBotProfile'
  | 'getBotProfile'
  | 'checkCredits'
  | 'getSystemPrompt'
  | 'getAvailableTools';

/** Where CachingAiServer reports what it does; every member is optional. */
export interface AiCacheMetricsSink {
  /** A cached answer was served because ai-server was unreachable. */
  onStaleServed?(method: CachedAiMethod): void;
  /** ai-server was unreachable and nothing usable was cached: the error went to the caller. */
  onMiss?(method: CachedAiMethod): void;
}

/**
 * Which caller the cached system prompt may be served to.
 * - `profile`: any caller of the profile (same SIP/PSTN kind); the caller's number and call SID are
 *   filled in again. Right when ai-server's prompt uses the caller only by number and SID.
 * - `caller`: only the same caller number. Use it if the prompt ever carries other caller-derived data
 *   (a CRM name, an account status), which the cache cannot recognise and must not hand to someone else.
 */
export type PromptCacheScope = 'profile' | 'caller';

export interface CachingAiServerOptions {
  /** How long a good answer may stand in for an unreachable ai-server. Default 10 minutes. */
  ttlMs?: number;
  /** Entries kept at most (least recently used go first). Default 1,000. */
  maxEntries?: number;
  /** Default `profile`. */
  promptCacheScope?: PromptCacheScope;
  logger?: Logger;
  metrics?: AiCacheMetricsSink;
  /** Clock in ms; tests move it. Default Date.now. */
  now?: () => number;
}

/** Caller-specific parts of a prompt, cut out so the prompt can be filled in for another caller. */
type PromptSegment = { text: string } | { slot: 'callerNumber' | 'callSid' };

interface PromptEntry {
  segments: PromptSegment[];
}

interface Entry {
  value: unknown;
  storedAtMs: number;
  /** Earlier end of validity than the TTL: when the business-hours state the prompt states changes. */
  notAfterMs: number | undefined;
}

/** The business-hours part of ai-server's system-prompt answer, when the client passes it on. */
interface BusinessHoursHint {
  open?: boolean;
  closesAt?: { at?: string };
  nextOpening?: { at?: string };
}

type LookupQuery = Parameters<CallAiServer['lookupBotProfile']>[0];
type PromptQuery = Parameters<CallAiServer['getSystemPrompt']>[1];
type SystemPromptAnswer = Awaited<ReturnType<CallAiServer['getSystemPrompt']>>;
/** Phone numbers shorter than this are not recognisable in a prompt (e.g. "anonymous", short codes). */
const MIN_NUMBER_DIGITS = 7;

/**
 * A CallAiServer that keeps the last good answer for a call's setup (profile lookup, profile, credits,
 * system prompt, dynamic tools) and serves it when ai-server is unreachable (network error, timeout,
 * 5xx, 429), for at most `ttlMs` after it was fetched. A 4xx (unknown profile and the like) always
 * passes through and drops the cached answer, so stale data never masks a real refusal. Knowledge
 * search, tool execution and the call debit always go to ai-server and are never cached.
 *
 * Staleness, within the TTL: the system prompt is served as it was fetched, except that it expires
 * early at the business-hours change ai-server reported with it (closing time, next opening), so a
 * stale "we are open" never outlives closing time; a credit answer may let a call through after the brand ran out (the debit at call end
 * reconciles), which is preferred to refusing every call during an ai-server blip.
 */
export class CachingAiServer implements CallAiServer {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly promptScope: PromptCacheScope;
  private readonly now: () => number;

  constructor(
    private readonly inner: CallAiServer,
    private readonly opts: CachingAiServerOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 10 * 60_000;
    this.maxEntries = Math.max(1, opts.maxEntries ?? 1000);
    this.promptScope = opts.promptCacheScope ?? 'profile';
    this.now = opts.now ?? Date.now;
  }

  /** Entries currently held (expired ones included until touched). */
  get size(): number {
    return this.entries.size;
  }

  lookupBotProfile(q: LookupQuery): Promise<{ key: string } | null> {
    // A null (no such mapping) is a good answer too: it lets the webhook fall through to the next lookup.
    const cacheKey = `lookup\u0000${q.sipDomain ?? ''}\u0000${q.to ?? ''}\u0000${q.applicationSid ?? ''}`;
    const logged = {
      ...(q.sipDomain ? { sipDomain: q.sipDomain } : {}),
      ...(q.to ? { to: maskPhone(q.to) } : {}),
      ...(q.applicationSid ? { applicationSid: q.applicationSid } : {}),
    };
    return this.cached('lookupBotProfile', cacheKey, { query: logged }, () => this.inner.lookupBotProfile(q));
  }

  getBotProfile(key: string): Promise<CallProfile> {
    return this.cached('getBotProfile', `profile\u0000${key}`, { profileKey: key }, () =>
      this.inner.getBotProfile(key),
    );
  }

  checkCredits(key: string): Promise<{ available: boolean; remainingSeconds?: number }> {
    return this.cached('checkCredits', `credits\u0000${key}`, { profileKey: key }, () =>
      this.inner.checkCredits(key),
    );
  }

  async getSystemPrompt(key: string, q: PromptQuery): Promise<SystemPromptAnswer> {
    const scope = this.promptScope === 'caller' ? `\u0000${q.callerNumber}` : '';
    const cacheKey = `prompt\u0000${key}\u0000${q.isSip ? 'sip' : 'pstn'}${scope}`;
    try {
      const fresh = await this.inner.getSystemPrompt(key, q);
      // An outbound call's prompt carries its own task: never one to serve another call.
      if (fresh.outbound) return fresh;
      const template = promptTemplate(fresh.instructions, q, this.promptScope);
      // A prompt that cannot be filled in safely for another caller is not kept; an older usable one stays.
      if (template)
        this.store(cacheKey, { segments: template } satisfies PromptEntry, businessHoursFlipMs(fresh));
      else if (this.promptScope === 'profile')
        this.opts.logger?.debug(
          { profileKey: key },
          'system prompt not cached: it carries the caller number in a form that cannot be replaced',
        );
      return fresh;
    } catch (err) {
      const entry = this.fallback<PromptEntry>('getSystemPrompt', cacheKey, err, { profileKey: key });
      return { instructions: fillPrompt(entry.segments, q) };
    }
  }

  getAvailableTools(key: string): ReturnType<CallAiServer['getAvailableTools']> {
    return this.cached('getAvailableTools', `tools\u0000${key}`, { profileKey: key }, () =>
      this.inner.getAvailableTools(key),
    );
  }

  /** Never cached: a knowledge answer belongs to its question and the knowledge base changes. */
  searchKnowledge(
    key: string,
    q: { query: string; callSid?: string; limit?: number },
  ): Promise<{ mode: string; results: KnowledgeHit[] }> {
    return this.inner.searchKnowledge(key, q);
  }

  /** Never cached: a tool call has effects. */
  executeTool(key: string, q: { name: string; arguments: unknown; callSid: string }): Promise<ToolExecution> {
    return this.inner.executeTool(key, q);
  }

  /** Never cached: the call's debit (idempotent by call SID on ai-server). */
  debitCall(key: string, q: { callSid: string; durationSec: number }): Promise<unknown> {
    return this.inner.debitCall(key, q);
  }

  /** Drops every cached answer. */
  clear(): void {
    this.entries.clear();
  }

  private async cached<T>(
    method: CachedAiMethod,
    cacheKey: string,
    logCtx: Record<string, unknown>,
    fetchFresh: () => Promise<T>,
  ): Promise<T> {
    let fresh: T;
    try {
      fresh = await fetchFresh();
    } catch (err) {
      return this.fallback<T>(method, cacheKey, err, logCtx);
    }
    this.store(cacheKey, fresh);
    return fresh;
  }

  /** The cached answer for an unreachable ai-server; otherwise rethrows `err`. */
  private fallback<T>(
    method: CachedAiMethod,
    cacheKey: string,
    err: unknown,
    logCtx: Record<string, unknown>,
  ): T {
    if (!isPeerUnavailable(err)) {
      // ai-server answered (a 4xx): what was cached is no longer true.
      this.entries.delete(cacheKey);
      throw err;
    }
    const entry = this.entries.get(cacheKey);
    const ageMs = entry ? this.now() - entry.storedAtMs : 0;
    if (!entry || ageMs > this.ttlMs || (entry.notAfterMs !== undefined && this.now() >= entry.notAfterMs)) {
      if (entry) this.entries.delete(cacheKey);
      this.opts.metrics?.onMiss?.(method);
      throw err;
    }
    // Most recently used goes last, so eviction takes the oldest first.
    this.entries.delete(cacheKey);
    this.entries.set(cacheKey, entry);
    this.opts.logger?.warn(
      { ...logCtx, method, ageMs, err: errSummary(err) },
      'ai-server unreachable; serving the last good answer',
    );
    this.opts.metrics?.onStaleServed?.(method);
    return structuredClone(entry.value) as T;
  }

  private store(cacheKey: string, value: unknown, notAfterMs?: number): void {
    this.entries.delete(cacheKey);
    // A copy, so a caller mutating its answer cannot change what a later call is served.
    this.entries.set(cacheKey, { value: structuredClone(value), storedAtMs: this.now(), notAfterMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

/**
 * Cuts the call SID (and, scoped to the profile, the caller's number) out of a prompt so it can be
 * filled in for another call. Undefined when that is not safe: the number appears in another form (spaced, bracketed), or a
 * caller ID that is not a number ("anonymous", a client name) appears at all.
 */
function promptTemplate(
  instructions: string,
  q: PromptQuery,
  scope: PromptCacheScope,
): PromptSegment[] | undefined {
  const digits = q.callerNumber.replace(/\D/g, '');
  // Scoped to the caller, the number may stay as it is: only that caller is ever served the prompt.
  const numberLike = scope === 'profile' && digits.length >= MIN_NUMBER_DIGITS;
  const needles: Array<{ text: string; slot: 'callerNumber' | 'callSid' }> = [];
  if (q.callSid) needles.push({ text: q.callSid, slot: 'callSid' });
  if (q.callerNumber && scope === 'profile') {
    if (numberLike) needles.push({ text: q.callerNumber, slot: 'callerNumber' });
    else if (instructions.includes(q.callerNumber)) return undefined;
  }
  let segments: PromptSegment[] = [{ text: instructions }];
  // Longest first, so a number inside a SIP URI does not split the URI.
  for (const needle of needles.sort((a, b) => b.text.length - a.text.length)) {
    segments = segments.flatMap((s): PromptSegment[] => {
      if (!('text' in s)) return [s];
      const parts = s.text.split(needle.text);
      return parts.flatMap((p, i): PromptSegment[] =>
        i === 0 ? [{ text: p }] : [{ slot: needle.slot }, { text: p }],
      );
    });
  }
  if (numberLike) {
    // Any remaining run of the number's last digits (formatted differently) would leak it to another caller.
    const tail = digits.slice(-MIN_NUMBER_DIGITS);
    const literal = segments
      .map((s) => ('text' in s ? s.text : '\u0000'))
      .join('')
      .replace(/[\s().\-/]/g, '');
    if (literal.includes(tail)) return undefined;
  }
  return segments.filter((s) => !('text' in s) || s.text !== '');
}

/**
 * When the business-hours state in a system-prompt answer changes (closing time while open, the next
 * opening while closed): a prompt saying "we are open" must not outlive the closing time.
 */
function businessHoursFlipMs(answer: { instructions: string }): number | undefined {
  const hours = (answer as { businessHours?: BusinessHoursHint }).businessHours;
  if (!hours || typeof hours !== 'object') return undefined;
  const at = hours.open ? hours.closesAt?.at : hours.nextOpening?.at;
  const ms = typeof at === 'string' ? Date.parse(at) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

function fillPrompt(segments: PromptSegment[], q: PromptQuery): string {
  return segments.map((s) => ('text' in s ? s.text : q[s.slot])).join('');
}
