// TranscriptEvents alone: which Realtime events open and finalize transcript entries, what the caller
// turn audio keeper and the listeners are told, and each reply's latency waterfall, on a hand-moved
// clock. No session, no sockets.
import type { RealtimeServerEvent } from '@switchboard/realtime';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemoryAppServer } from '../ports/in-memory-app-server.ts';
import type { CallerTurnAudio } from '../speech/caller-turn-audio.ts';
import type { TurnWaterfall } from '../telemetry/call-tracer.ts';
import type { ResponseQueue } from './response-queue.ts';
import { Transcript } from './transcript.ts';
import { TranscriptEvents } from './transcript-events.ts';

afterEach(() => {
  vi.useRealTimers();
});

const ev = (e: Record<string, unknown>) => ({ event_id: 'e', ...e }) as unknown as RealtimeServerEvent;

function events() {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-12-06T10:00:00.000Z'));
  let nowMs = 0;
  const told: string[] = [];
  const latencies: number[] = [];
  const turns: TurnWaterfall[] = [];
  const turnAudio = {
    onSpeechStarted: (id: string, ms: number) => told.push(`started ${id} ${ms}`),
    onSpeechStopped: (id: string, ms: number) => told.push(`stopped ${id} ${ms}`),
    onCommitted: (id: string) => told.push(`committed ${id}`),
    onCleared: () => told.push('cleared'),
    forget: (id: string) => told.push(`forget ${id}`),
  } as unknown as CallerTurnAudio;
  const transcript = new Transcript('CA1', new InMemoryAppServer(), () => {});
  const responses = { isCancelled: (id: string) => id === 'r_cut' } as unknown as ResponseQueue;
  const te = new TranscriptEvents(
    transcript,
    responses,
    () => nowMs,
    turnAudio,
    () => told.push('caller text'),
    (ms) => latencies.push(ms),
    (t) => turns.push(t),
    (id) => told.push(`realtime text ${id}`),
    (words) => told.push(`words ${words}`),
  );
  return {
    te,
    transcript,
    told,
    latencies,
    turns,
    at: (ms: number) => {
      nowMs = ms;
    },
    /** Hands `x` over; it must be one of the transcript's events. */
    handle: (x: RealtimeServerEvent) => expect(te.onEvent(x)).toBe(true),
  };
}

describe('the caller turn audio keeper is told of speech', () => {
  it('with a finite position only', () => {
    const e = events();
    e.te.onSpeechStarted('u1', 120);
    e.te.onSpeechStarted('u2', Number.NaN);
    e.te.onSpeechStarted('u3', '120');
    e.te.onSpeechStopped('u1', 900);
    e.te.onSpeechStopped('u2', Number.POSITIVE_INFINITY);
    e.te.onSpeechStopped(undefined, 900);
    e.te.onSpeechStopped('u4');
    expect(e.told).toEqual(['started u1 120', 'stopped u1 900']);
  });
});

describe('the latency waterfall of a reply', () => {
  it("the model's audio: first delta and first frame after the caller stopped, once per reply", () => {
    const e = events();
    e.at(1_000);
    e.te.onSpeechStopped('u1', 500);
    e.transcript.open('a1', 'agent', new Date());
    e.at(1_250);
    expect(e.te.onAgentAudio('a1')).toBe(true);
    expect(e.te.onAgentAudio('a1')).toBe(false);
    expect(e.latencies).toEqual([250]);
    expect(e.transcript.get('a1')?.latency).toEqual({ responseMs: 250, firstAudioMs: 250 });
    e.at(1_300.5);
    e.te.onAgentFrameSent('other');
    expect(e.turns).toEqual([]);
    e.te.onAgentFrameSent('a1');
    expect(e.turns).toEqual([
      {
        itemId: 'a1',
        speechStoppedAt: Date.parse('2026-12-06T10:00:00.000Z'),
        firstAudioMs: 250,
        firstFrameMs: 300.5,
      },
    ]);
    expect(e.transcript.get('a1')?.latency).toEqual({
      responseMs: 250,
      firstAudioMs: 250,
      firstFrameMs: 301,
    });
    // Timed once: the frame after is not a new turn.
    e.te.onAgentFrameSent('a1');
    expect(e.turns).toHaveLength(1);
  });

  it('times a reply whose item has no transcript entry without touching the transcript', () => {
    const e = events();
    e.te.onSpeechStopped('u1', 1);
    e.at(100);
    expect(e.te.onAgentAudio('a9')).toBe(true);
    expect(() => e.te.onAgentFrameSent('a9')).not.toThrow();
    expect(e.turns.map((t) => t.itemId)).toEqual(['a9']);
    expect(e.transcript.get('a9')).toBeUndefined();
  });

  it('nothing is timed without a stop of the caller’s speech before it, and each stop times one reply', () => {
    const e = events();
    expect(e.te.onAgentAudio('a0')).toBe(false);
    e.te.onSpeechStopped('u1', 1);
    expect(e.te.onAgentAudio('a1')).toBe(true);
    expect(e.te.onAgentAudio('a2')).toBe(false);
    expect(e.latencies).toHaveLength(1);
  });

  it('an external voice: the first text, then the first synthesized chunk (no model audio figure)', () => {
    const e = events();
    e.at(2_000);
    e.te.onSpeechStopped('u1', 1);
    e.transcript.open('a1', 'agent', new Date());
    e.at(2_100);
    e.te.onAgentText('a1');
    e.at(2_150);
    e.te.onAgentText('a1');
    e.at(2_400);
    e.te.onSynthesized('a1');
    e.at(2_500);
    e.te.onSynthesized('a1');
    expect(e.latencies).toEqual([400]);
    expect(e.transcript.get('a1')?.latency).toEqual({ responseMs: 400 });
    e.te.onAgentFrameSent('a1');
    expect(e.turns[0]).toMatchObject({ firstTextMs: 100, firstSynthMs: 400, firstFrameMs: 500 });
    expect(e.turns[0]!.firstAudioMs).toBeUndefined();
  });
});

describe('transcript entries from Realtime events', () => {
  it('an agent message item opens an entry; a function call does not', () => {
    const e = events();
    expect(
      e.te.onEvent(ev({ type: 'response.output_item.added', item: { id: 'a1', type: 'message' } })),
    ).toBe(true);
    e.handle(ev({ type: 'response.output_item.added', item: { id: 'f1', type: 'function_call' } }));
    e.handle(ev({ type: 'response.output_item.added', item: { type: 'message' } }));
    expect(e.transcript.messages().map((m) => [m.itemId, m.role, m.startedAt])).toEqual([
      ['a1', 'agent', '2026-12-06T10:00:00.000Z'],
    ]);
  });

  it("the agent's words, spoken or as text; interrupted when its response was cancelled", () => {
    const e = events();
    e.handle(
      ev({
        type: 'response.output_audio_transcript.done',
        response_id: 'r1',
        item_id: 'a1',
        transcript: 'Hi.',
      }),
    );
    e.handle(
      ev({
        type: 'response.output_audio_transcript.done',
        response_id: 'r_cut',
        item_id: 'a2',
        transcript: 'Our st',
      }),
    );
    e.handle(ev({ type: 'response.output_text.done', response_id: 'r3', item_id: 'a3', text: 'Text.' }));
    e.handle(ev({ type: 'response.output_text.done', response_id: 'r_cut', item_id: 'a4', text: 'Cut.' }));
    expect(e.transcript.messages().map((m) => [m.itemId, m.role, m.text, m.interrupted])).toEqual([
      ['a1', 'agent', 'Hi.', undefined],
      ['a2', 'agent', 'Our st', true],
      ['a3', 'agent', 'Text.', undefined],
      ['a4', 'agent', 'Cut.', true],
    ]);
  });

  it('a caller turn: opened when committed, its words when transcribed, marked when transcription failed', () => {
    const e = events();
    for (const handled of [
      ev({ type: 'input_audio_buffer.committed', item_id: 'u1' }),
      ev({ type: 'input_audio_buffer.committed', item_id: 'u2' }),
      ev({ type: 'input_audio_buffer.cleared' }),
    ])
      expect(e.te.onEvent(handled)).toBe(true);
    e.handle(
      ev({
        type: 'conversation.item.input_audio_transcription.completed',
        item_id: 'u1',
        content_index: 0,
        transcript: 'Hello.',
      }),
    );
    e.handle(
      ev({
        type: 'conversation.item.input_audio_transcription.failed',
        item_id: 'u2',
        content_index: 0,
        error: {},
      }),
    );
    e.handle(
      ev({
        type: 'conversation.item.input_audio_transcription.failed',
        item_id: 'u3',
        content_index: 0,
        error: {},
      }),
    );
    expect(e.transcript.messages().map((m) => [m.itemId, m.role, m.text, m.source, m.transcription])).toEqual(
      [
        ['u1', 'caller', 'Hello.', 'realtime', undefined],
        ['u2', 'caller', null, 'realtime', 'failed'],
        ['u3', 'caller', null, 'realtime', 'failed'],
      ],
    );
    expect(e.told).toEqual([
      'committed u1',
      'committed u2',
      'cleared',
      'forget u1',
      'caller text',
      'realtime text u1',
      'words Hello.',
      'caller text',
      'realtime text u2',
      'caller text',
      'realtime text u3',
    ]);
  });

  it("a finished user item fills in a known turn's words from its transcript, and nothing else", () => {
    const e = events();
    e.handle(ev({ type: 'input_audio_buffer.committed', item_id: 'u1' }));
    const done = (item: Record<string, unknown>) => e.handle(ev({ type: 'conversation.item.done', item }));
    done({
      id: 'u1',
      type: 'message',
      role: 'user',
      content: [{ type: 'input_audio' }, { type: 'input_audio', transcript: 'Hi there.' }],
    });
    done({
      id: 'u9',
      type: 'message',
      role: 'user',
      content: [{ type: 'input_audio', transcript: 'Unknown.' }],
    });
    done({
      id: 'u1',
      type: 'message',
      role: 'assistant',
      content: [{ type: 'output_audio', transcript: 'Not the caller.' }],
    });
    expect(e.transcript.messages().map((m) => [m.itemId, m.text])).toEqual([['u1', 'Hi there.']]);
    e.handle(ev({ type: 'input_audio_buffer.committed', item_id: 'u2' }));
    done({ id: 'u2', type: 'message', role: 'user', content: [{ type: 'input_audio', transcript: '' }] });
    done({ id: 'u2', type: 'message', role: 'user' });
    expect(e.transcript.get('u2')?.text).toBeNull();
  });

  it('other events are not its own', () => {
    const e = events();
    expect(e.te.onEvent(ev({ type: 'response.created', response: { id: 'r1' } }))).toBe(false);
    expect(e.transcript.messages()).toEqual([]);
  });
});
