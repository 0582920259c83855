import { laneOfToolCall } from '../analysis/lane-rates.ts';
import type { Conversation, Message } from '../domain/types.ts';
import { formatDuration } from './format.ts';
import { html, type SafeHtml } from './html.ts';

/** What a call adds up to, for the figures above its transcript. */
export interface CallFigures {
  /** Null while the call goes on. */
  durationSec: number | null;
  callerTurns: number;
  agentTurns: number;
  /** Agent turns the caller spoke over. */
  bargeIns: number;
  /** Caller turns the transcription could not make out. */
  notTranscribed: number;
  /** Over the agent turns with a measured reply latency. */
  meanReplyMs: number | null;
  worstReplyMs: number | null;
  /** Each tool once, with how many times it ran, in order of first use. */
  tools: { name: string; count: number }[];
  /** The retrieval lanes that answered the call's knowledge searches (one, unless a search fell back). */
  knowledgeLanes: string[];
}

/** The lanes named in knowledge tool results (voice-server records the lane that served each search). */
export function knowledgeLanes(toolCalls: readonly Message[]): string[] {
  const lanes = new Set<string>();
  for (const m of toolCalls) {
    const lane = laneOfToolCall(m);
    if (lane) lanes.add(lane);
  }
  return [...lanes];
}

/**
 * An agent turn's reply latency: speech stopped → the first frame went to Twilio when measured, else
 * the model's first audio or voice-server's own figure. Null for other turns and unmeasured ones.
 */
export function replyLatencyMs(m: Message): number | null {
  if (m.role !== 'agent') return null;
  return m.firstFrameMs ?? m.responseMs ?? m.firstAudioMs;
}

/**
 * Tool messages, each call once: of a call recorded more than once (same call id), the first record
 * that has a result (where the call happened), else the first.
 */
export function distinctToolCalls(messages: readonly Message[]): Message[] {
  const chosen = new Map<string, Message>();
  const ordered = [...messages].sort((a, b) => a.sequence - b.sequence);
  for (const m of ordered) {
    if (m.role !== 'tool' && !m.toolName) continue;
    const key = m.itemId ?? `#${m.sequence}`;
    const kept = chosen.get(key);
    if (!kept || (kept.toolResult === null && m.toolResult !== null)) chosen.set(key, m);
  }
  return [...chosen.values()].sort((a, b) => a.sequence - b.sequence);
}

export function callFigures(c: Conversation, messages: readonly Message[]): CallFigures {
  const latencies = messages.map(replyLatencyMs).filter((v): v is number => v !== null);
  const tools = new Map<string, number>();
  const toolCalls = distinctToolCalls(messages);
  for (const t of toolCalls) {
    const name = t.toolName ?? 'tool';
    tools.set(name, (tools.get(name) ?? 0) + 1);
  }
  const duration =
    c.durationSec ?? (c.endedAt ? Math.max(0, (c.endedAt.getTime() - c.startedAt.getTime()) / 1000) : null);
  return {
    durationSec: duration,
    callerTurns: messages.filter((m) => m.role === 'caller').length,
    agentTurns: messages.filter((m) => m.role === 'agent').length,
    bargeIns: messages.filter((m) => m.role === 'agent' && m.interrupted).length,
    notTranscribed: messages.filter((m) => m.role === 'caller' && m.transcription === 'failed' && !m.text)
      .length,
    meanReplyMs: latencies.length
      ? Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length)
      : null,
    worstReplyMs: latencies.length ? Math.max(...latencies) : null,
    tools: [...tools].map(([name, count]) => ({ name, count })),
    knowledgeLanes: knowledgeLanes(toolCalls),
  };
}

const ms = (v: number | null) => (v === null ? '—' : `${v} ms`);

/** The figures panel (`#call-figures`), re-rendered live as turns arrive. */
export function figuresPanel(c: Conversation, messages: readonly Message[]): SafeHtml {
  const f = callFigures(c, messages);
  const tools = f.tools.length
    ? f.tools.map(
        (t) => html`<li><span class="mono">${t.name}</span>${t.count > 1 ? html` ×${t.count}` : ''}</li>`,
      )
    : html`<li class="muted">none</li>`;
  const version = `${c.updatedAt.getTime()}:${messages.map((m) => m.updatedAt.getTime()).join(',')}`;
  return html`<section class="figures card" id="call-figures" data-v="${version}" aria-label="Call figures">
  <dl class="facts">
    <div><dt>Duration</dt><dd data-figure="duration">${f.durationSec === null ? 'in progress' : formatDuration(f.durationSec)}</dd></div>
    <div><dt>Turns</dt><dd data-figure="turns">${f.callerTurns} caller · ${f.agentTurns} agent</dd></div>
    <div><dt>Mean reply</dt><dd data-figure="mean-reply">${ms(f.meanReplyMs)}</dd></div>
    <div><dt>Worst reply</dt><dd data-figure="worst-reply">${ms(f.worstReplyMs)}</dd></div>
    <div><dt>Barge-ins</dt><dd data-figure="barge-ins">${f.bargeIns}</dd></div>
    ${f.notTranscribed ? html`<div><dt>Not transcribed</dt><dd data-figure="not-transcribed">${f.notTranscribed}</dd></div>` : ''}
    <div><dt>Tools used</dt><dd data-figure="tools"><ul class="inline-list">${tools}</ul></dd></div>
    ${f.knowledgeLanes.length ? html`<div><dt>Knowledge lane</dt><dd data-figure="knowledge-lane" class="mono">${f.knowledgeLanes.join(' → ')}</dd></div>` : ''}
  </dl>
</section>`;
}
