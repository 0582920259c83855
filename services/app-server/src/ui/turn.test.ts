import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../domain/types.ts';
import { callFigures, distinctToolCalls, replyLatencyMs } from './figures.ts';
import { formatDateTime, formatWindow } from './format.ts';
import { messageItem, splitHeard, waterfall } from './turn.ts';

const at = new Date('2026-11-21T15:03:05.000Z');
const message = (over: Partial<Message>): Message => ({
  conversationId: 'c',
  sequence: 1,
  role: 'agent',
  text: 'hello',
  itemId: null,
  startedAt: at,
  source: 'realtime',
  interrupted: false,
  toolName: null,
  toolArguments: null,
  toolResult: null,
  responseMs: null,
  firstAudioMs: null,
  firstFrameMs: null,
  heardText: null,
  transcription: null,
  transcriber: null,
  transcriberText: null,
  handoff: null,
  languageSwitch: null,
  sanitized: [],
  createdAt: at,
  updatedAt: at,
  ...over,
});

describe('the heard part of an interrupted answer', () => {
  it('is split off the full text wherever the caller cut in, whatever the spacing', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(), (text, cut) => {
        const heard = text.slice(0, cut % (text.length + 1));
        const split = splitHeard(text, heard.replace(/\s+/g, ' '));
        expect(split).toBeDefined();
        expect(split!.heard + split!.rest).toBe(text);
        expect(split!.heard.replace(/\s/g, '')).toBe(heard.replace(/\s/g, ''));
      }),
    );
  });

  it('is not guessed when it is not the start of the answer', () => {
    expect(splitHeard('Your parcel is late.', 'Your order')).toBeUndefined();
  });

  it('renders heard text apart from the struck-through rest, with the barge-in in the timeline', () => {
    const li = messageItem(
      message({ text: 'It left the depot this morning.', interrupted: true, heardText: 'It left the' }),
      'UTC',
    ).value;
    expect(li).toContain('<span class="heard">It left the</span><del class="unheard"');
    expect(li).toContain('> depot this morning.</del>');
    expect(li).toContain('Caller barged in');
  });

  it('says how much was heard is unknown when voice-server could not tell', () => {
    const li = messageItem(message({ text: 'Sure.', interrupted: true }), 'UTC').value;
    expect(li).toContain('is not known');
  });

  it('shows a caller turn the transcription could not make out as "(not transcribed)"', () => {
    const li = messageItem(message({ role: 'caller', text: null, transcription: 'failed' }), 'UTC').value;
    expect(li).toContain('(not transcribed)');
  });

  it('marks a caller turn an external transcriber filled in, and shows its text beside a Realtime one', () => {
    const filled = messageItem(
      message({
        role: 'caller',
        text: 'where is my order',
        source: 'transcriber',
        transcriber: 'cartesia',
        transcription: 'failed',
      }),
      'UTC',
    ).value;
    expect(filled).toContain('transcribed by Cartesia');
    expect(filled).toContain('where is my order');
    expect(filled).not.toContain('not transcribed');
    const both = messageItem(
      message({
        role: 'caller',
        text: 'where is my order',
        transcriber: 'elevenlabs',
        transcriberText: 'where is my <order>',
      }),
      'UTC',
    ).value;
    expect(both).toContain('ElevenLabs Scribe: where is my &lt;order&gt;');
    expect(both).not.toContain('transcribed by');
  });
});

describe('per-turn latency', () => {
  it('draws the waterfall: speech stopped → model first audio → first frame to Twilio', () => {
    const w = waterfall(message({ responseMs: 700, firstAudioMs: 640, firstFrameMs: 700 })).value;
    expect(w).toContain('speech stopped → model first audio 640 ms → first frame to Twilio 700 ms');
    expect(w).toContain('reply 700 ms');
    expect(w).toMatch(/wf-model w30/);
    expect(w).toMatch(/wf-out w5/);
  });
  it("falls back to voice-server's one figure, and shows nothing without one", () => {
    expect(waterfall(message({ responseMs: 480 })).value).toContain('speech stopped → reply 480 ms');
    expect(waterfall(message({})).value).toBe('');
  });
  it('takes the first frame as the reply latency when measured', () => {
    expect(replyLatencyMs(message({ responseMs: 480, firstAudioMs: 300, firstFrameMs: 350 }))).toBe(350);
    expect(replyLatencyMs(message({ role: 'caller', responseMs: 480 }))).toBeNull();
  });
});

describe('per-call figures', () => {
  it('count turns, barge-ins and tools (each call once), and average and take the worst reply', () => {
    const c = {
      startedAt: at,
      endedAt: new Date(at.getTime() + 95_000),
      durationSec: null,
    } as unknown as Conversation;
    const f = callFigures(c, [
      message({ sequence: 1, role: 'caller' }),
      message({ sequence: 2, firstFrameMs: 900 }),
      message({ sequence: 3, role: 'tool', toolName: 'lookup', itemId: 'call_1' }),
      message({ sequence: 4, role: 'tool', toolName: 'lookup', itemId: 'call_1' }),
      message({ sequence: 5, role: 'tool', toolName: 'lookup', itemId: 'call_2' }),
      message({ sequence: 6, responseMs: 500, interrupted: true }),
      message({ sequence: 7, role: 'caller', text: null, transcription: 'failed' }),
    ]);
    expect(f).toEqual({
      durationSec: 95,
      callerTurns: 2,
      agentTurns: 2,
      bargeIns: 1,
      notTranscribed: 1,
      meanReplyMs: 700,
      worstReplyMs: 900,
      tools: [{ name: 'lookup', count: 2 }],
      knowledgeLanes: [],
    });
  });
});

describe('each tool call once', () => {
  const tool = (sequence: number, itemId: string | null, toolResult: unknown) =>
    message({ sequence, role: 'tool', toolName: 'lookup', itemId, toolResult });

  it('keeps the first record of a call that has its result, else the first, in sequence order', () => {
    const kept = distinctToolCalls([
      tool(7, 'call_2', null),
      tool(2, 'call_1', null),
      message({ sequence: 3, role: 'caller' }),
      tool(4, 'call_1', { ok: true }),
      tool(6, 'call_1', { ok: 'again' }),
      tool(8, 'call_2', null),
      tool(9, null, null),
      tool(10, null, null),
    ]);
    expect(kept.map((m) => m.sequence)).toEqual([4, 7, 9, 10]);
  });

  it('never drops a call or keeps one twice, whatever the order the records come in', () => {
    const records = fc.array(
      fc.record({
        sequence: fc.nat(1000),
        itemId: fc.constantFrom('a', 'b', 'c'),
        result: fc.boolean(),
      }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(records, (rs) => {
        const unique = [...new Map(rs.map((r) => [r.sequence, r])).values()];
        const kept = distinctToolCalls(unique.map((r) => tool(r.sequence, r.itemId, r.result ? {} : null)));
        expect(kept.map((m) => m.itemId).sort()).toEqual([...new Set(unique.map((r) => r.itemId))].sort());
        for (const m of kept) {
          const same = unique.filter((r) => r.itemId === m.itemId).sort((a, b) => a.sequence - b.sequence);
          const want = same.find((r) => r.result) ?? same[0]!;
          expect(m.sequence).toBe(want.sequence);
        }
      }),
    );
  });
});

describe('one date-time format, in the zone, with the zone shown', () => {
  it('writes every time the same way', () => {
    expect(formatDateTime(at, 'America/New_York')).toBe('2026-11-21 10:03:05 EST');
    expect(formatDateTime(at, 'UTC')).toBe('2026-11-21 15:03:05 UTC');
    expect(formatDateTime(at, 'Europe/Berlin', 'minutes')).toBe('2026-11-21 16:03 GMT+1');
    expect(
      formatWindow(new Date('2026-11-22T19:00:00Z'), new Date('2026-11-22T21:00:00Z'), 'America/New_York'),
    ).toBe('2026-11-22 14:00 – 16:00 EST (America/New_York)');
  });
});
