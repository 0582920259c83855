/**
 * The ElevenLabs TTS adapter against a provider that misbehaves in ways the simulator does not: malformed
 * messages (fast-check), an error message before a close (the `max_active_conversations` error the API
 * sends when a socket holds more than 5 contexts: ElevenLabs "Multi-Context WebSocket" guide; the
 * message as quoted in livekit/agents-js issue 1985), a handshake that never completes.
 */
import { createServer, type Server, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { TtsStreamEvent } from '../ports/tts-stream.ts';
import { ElevenLabsTtsStream } from './elevenlabs-tts.ts';
import { EventLog, until } from './testing/event-log.ts';
import { type FakeProvider, startFakeProvider } from './testing/fake-provider.ts';
import { notJson } from './testing/provider-turns.ts';

const VOICE = { voiceId: 'JBFqnCBsd6RMkjVDRZzb' };
const AUDIO = Buffer.alloc(160, 0xff).toString('base64');
/** Stands for the turn's context id in a generated frame. */
const CTX = '\u0000ctx';

let fake: FakeProvider | null = null;
const streams: ElevenLabsTtsStream[] = [];
afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  await fake?.close();
  fake = null;
});

function open(baseUrl: string, log: EventLog<TtsStreamEvent>, connectTimeoutMs = 5000) {
  const s = new ElevenLabsTtsStream({ apiKey: 'xi-k', baseUrl, connectTimeoutMs }, VOICE, log.listener());
  streams.push(s);
  return s;
}

/** Runs `onFlush` on a socket once the client flushes a context. */
function onFlush(handle: (ws: WebSocket, contextId: string) => void) {
  return (ws: WebSocket) =>
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as Record<string, unknown>;
      if (m.flush === true) handle(ws, String(m.context_id));
    });
}

/** A frame the protocol does not allow, and whether its audio is still usable. */
interface BadFrame {
  frame: string | Uint8Array;
  deliversAudio: boolean;
}

const bad = (value: unknown, deliversAudio = false): BadFrame => ({
  frame: JSON.stringify(value),
  deliversAudio,
});
const badFrame: fc.Arbitrary<BadFrame> = fc.oneof(
  notJson.map((frame) => ({ frame, deliversAudio: false })),
  fc
    .oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string(), fc.array(fc.integer()))
    .map((v) => bad(v)),
  fc
    .oneof(fc.integer(), fc.boolean(), fc.array(fc.string()), fc.dictionary(fc.string(), fc.integer()))
    .map((audio) => bad({ audio, contextId: CTX })),
  fc.string().map((s) => bad({ audio: `${s}!`, contextId: CTX })),
  fc
    .oneof(fc.integer(), fc.boolean(), fc.constant(null))
    .map((contextId) => bad({ audio: AUDIO, contextId })),
  fc.string().map((s) => bad({ audio: AUDIO, contextId: `other-${s}` })),
  fc
    .oneof(
      fc.string(),
      fc.integer(),
      fc.constant({ chars: ['a', 'b'], charStartTimesMs: [0], charDurationsMs: [1, 2] }),
      fc.record({ chars: fc.array(fc.integer(), { minLength: 1 }) }),
    )
    .map((alignment) => bad({ audio: AUDIO, contextId: CTX, alignment }, true)),
  fc.oneof(fc.constant('yes'), fc.integer()).map((isFinal) => bad({ contextId: CTX, isFinal })),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((frame) => ({ frame, deliversAudio: false })),
);

describe('ElevenLabs TTS stream against a misbehaving provider', () => {
  it('drops every malformed message with a clear error event, never throws, and finishes the turn', async () => {
    let frames: BadFrame[] = [];
    fake = await startFakeProvider({
      onSocket: onFlush((ws, contextId) => {
        for (const { frame } of frames) {
          if (typeof frame === 'string')
            ws.send(frame.replaceAll(JSON.stringify(CTX), JSON.stringify(contextId)));
          else ws.send(frame, { binary: true });
        }
        const alignment = {
          chars: [...'Hi. '],
          charStartTimesMs: [0, 60, 120, 180],
          charDurationsMs: [60, 60, 60, 90],
        };
        ws.send(JSON.stringify({ audio: AUDIO, contextId, alignment }));
      }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(badFrame, { minLength: 1, maxLength: 8 }), async (generated) => {
        frames = generated;
        const log = new EventLog<TtsStreamEvent>();
        const stream = open(fake!.baseUrl, log);
        stream.startTurn('t');
        stream.pushText('t', 'Hi. ');
        stream.flush('t');
        await log.until((e) => e.some((x) => x.type === 'turn_done'));
        const errors = log.events.filter((e) => e.type === 'error');
        expect(errors).toHaveLength(generated.length);
        for (const e of errors) {
          expect(e).toMatchObject({ error: { code: 'malformed_message', retryable: true } });
          expect((e as { error: { message: string } }).error.message).toMatch(
            /^dropped a malformed ElevenLabs message: /,
          );
        }
        const audio = log.events.filter((e) => e.type === 'audio');
        expect(audio).toHaveLength(generated.filter((f) => f.deliversAudio).length + 1);
        expect(log.events.at(-1)).toEqual({ type: 'turn_done', turnId: 't' });
        expect(stream.available).toBe(true);
        stream.close();
      }),
      { numRuns: 40 },
    );
  });

  it("reports the provider's error message, then treats the close that follows as a mid-turn failure", async () => {
    fake = await startFakeProvider({
      onSocket: onFlush((ws) => {
        ws.send(
          JSON.stringify({
            message:
              'Maximum simultaneous contexts per WebSocket connection exceeded (5). Please close an existing context before opening a new one.',
            error: 'max_active_conversations',
            code: 1008,
          }),
        );
        ws.close(1008, 'max_active_conversations');
      }),
    });
    const log = new EventLog<TtsStreamEvent>();
    const stream = open(fake.baseUrl, log);
    stream.startTurn('t');
    stream.pushText('t', 'Hello there. ');
    stream.flush('t');
    await log.until((e) => e.some((x) => x.type === 'turn_failed'));
    expect(log.events).toEqual([
      {
        type: 'error',
        error: {
          code: 'provider_error',
          message: expect.stringMatching(/^max_active_conversations: Maximum simultaneous contexts/),
          retryable: true,
        },
      },
      {
        type: 'turn_failed',
        turnId: 't',
        error: {
          code: 'socket_closed',
          message: 'the ElevenLabs socket closed mid-turn (code 1008)',
          retryable: true,
        },
      },
    ]);
    expect(stream.available).toBe(true);
  });

  it("finishes a turn on the context's isFinal, or turnIdleMs after its last audio when the alignment falls short", async () => {
    fake = await startFakeProvider({
      onSocket: onFlush((ws, contextId) => {
        // audio without alignment: the turn cannot be seen to be complete from the characters
        ws.send(JSON.stringify({ audio: AUDIO, contextId }));
        if (contextId === 'c1') ws.send(JSON.stringify({ isFinal: true, contextId }));
      }),
    });
    const log = new EventLog<TtsStreamEvent>();
    const stream = new ElevenLabsTtsStream(
      { apiKey: 'xi-k', baseUrl: fake.baseUrl, turnIdleMs: 200 },
      VOICE,
      log.listener(),
    );
    streams.push(stream);
    stream.startTurn('a');
    stream.pushText('a', 'Hello there. ');
    stream.flush('a');
    await log.until((e) => e.some((x) => x.type === 'turn_done'));
    const startedB = Date.now();
    stream.startTurn('b');
    stream.pushText('b', 'And again. ');
    stream.flush('b');
    await log.until((e) => e.filter((x) => x.type === 'turn_done').length === 2);
    expect(Date.now() - startedB).toBeGreaterThanOrEqual(190);
    expect(log.events.map((e) => e.type)).toEqual(['audio', 'turn_done', 'audio', 'turn_done']);
  });

  it('gives up the oldest turn when more than 4 are open at once (the API allows 5 contexts per socket)', async () => {
    const received: Array<Record<string, unknown>> = [];
    fake = await startFakeProvider({
      onSocket: (ws) =>
        ws.on('message', (d) => received.push(JSON.parse(String(d)) as Record<string, unknown>)),
    });
    const log = new EventLog<TtsStreamEvent>();
    const stream = open(fake.baseUrl, log);
    for (const id of ['t1', 't2', 't3', 't4', 't5']) stream.startTurn(id);
    expect(log.events).toEqual([
      {
        type: 'turn_failed',
        turnId: 't1',
        error: { code: 'too_many_turns', message: 'more than 4 turns open at once', retryable: true },
      },
    ]);
    await until(() => received.some((m) => m.close_context === true));
    expect(received.filter((m) => m.close_context === true)).toEqual([
      { context_id: 'c1', close_context: true },
    ]);
  });

  it('gives up a handshake that never completes after connectTimeoutMs, once, then is unavailable', async () => {
    const held: Socket[] = [];
    const silent: Server = createServer((s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    try {
      const log = new EventLog<TtsStreamEvent>();
      const started = Date.now();
      open(`http://127.0.0.1:${port}`, log, 100);
      await log.until((e) => e.some((x) => x.type === 'unavailable'));
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      expect(held).toHaveLength(2);
      expect(log.events).toEqual([
        {
          type: 'unavailable',
          error: { code: 'connect_failed', message: 'could not open the ElevenLabs socket', retryable: true },
        },
      ]);
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
