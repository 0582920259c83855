/**
 * The ElevenLabs TTS adapter against the ElevenLabs simulator, over real sockets. Sources: ElevenLabs
 * API reference, "Multi-Context WebSocket" (elevenlabs.io/docs/api-reference/text-to-speech/
 * v-1-text-to-speech-voice-id-multi-stream-input: `/v1/text-to-speech/{voice_id}/multi-stream-input`,
 * `flush`, `close_context`, `isFinal` per context), the multi-context guide (elevenlabs.io/docs/
 * eleven-api/guides/how-to/websockets/multi-context-web-socket: a context per turn, close it on a
 * barge-in, at most 5 contexts per socket) and "WebSocket" (`chunk_length_schedule`,
 * `inactivity_timeout`, `ulaw_8000`).
 */
import { startElevenLabsSimulator } from '@switchboard/simulators/elevenlabs';
import { recognizeSpeech } from '@switchboard/simulators/speech';
import { mulawToPcm16 } from '@switchboard/telephony';
import { afterEach, describe, expect, it } from 'vitest';
import type { TtsStreamEvent, TtsVoice } from '../ports/tts-stream.ts';
import { type ElevenLabsTtsOptions, ElevenLabsTtsStream } from './elevenlabs-tts.ts';
import { SpokenText } from './spoken-text.ts';
import { EventLog, sleep, until } from './testing/event-log.ts';

const KEY = 'xi-test-key';
const VOICE: TtsVoice = {
  voiceId: 'JBFqnCBsd6RMkjVDRZzb',
  settings: { stability: 0.4, similarityBoost: 0.8, style: 0.1, useSpeakerBoost: true, speed: 1.1 },
};
type Sim = Awaited<ReturnType<typeof startElevenLabsSimulator>>;

let sim: Sim | null = null;
let tts: ElevenLabsTtsStream | null = null;
afterEach(async () => {
  tts?.close();
  tts = null;
  await sim?.close();
  sim = null;
});

async function open(
  simOptions: Parameters<typeof startElevenLabsSimulator>[0] = {},
  options: Partial<ElevenLabsTtsOptions> = {},
  onEvent?: (e: TtsStreamEvent, stream: ElevenLabsTtsStream) => void,
) {
  sim = await startElevenLabsSimulator({ apiKey: KEY, ...simOptions });
  const log = new EventLog<TtsStreamEvent>();
  const stream = new ElevenLabsTtsStream(
    { apiKey: KEY, baseUrl: sim.baseUrl, turnIdleMs: 1500, ...options },
    VOICE,
    log.listener((e) => onEvent?.(e, stream)),
  );
  tts = stream;
  return { log, stream, sim };
}

type Audio = Extract<TtsStreamEvent, { type: 'audio' }>;
const audioOf = (events: TtsStreamEvent[], turnId: string) =>
  events.filter((e): e is Audio => e.type === 'audio' && e.turnId === turnId);
const has = (type: TtsStreamEvent['type'], turnId?: string) => (events: TtsStreamEvent[]) =>
  events.some((e) => e.type === type && (turnId === undefined || ('turnId' in e && e.turnId === turnId)));
const heard = (chunks: Audio[]) =>
  recognizeSpeech(mulawToPcm16(Buffer.concat(chunks.map((c) => Buffer.from(c.payload, 'base64')))), 8000)
    .text;

/** Text as the model streams it: a few characters at a time, cut mid-word. */
function pushInDeltas(stream: ElevenLabsTtsStream, turnId: string, text: string, size = 7): void {
  for (let at = 0; at < text.length; at += size) stream.pushText(turnId, text.slice(at, at + size));
}

const REPLY = 'Thanks for calling Acme support. Your order ships tomorrow morning, by noon.';

describe('ElevenLabs TTS stream', () => {
  it("speaks a turn as mu-law 8 kHz with alignment, with the profile's voice and the chunk schedule", async () => {
    const { log, stream } = await open();
    stream.startTurn('item_1');
    pushInDeltas(stream, 'item_1', REPLY);
    stream.flush('item_1');
    await log.until(has('turn_done', 'item_1'));
    const chunks = audioOf(log.events, 'item_1');
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.map((c) => c.alignment!.chars.join('')).join('')).toBe(REPLY);
    expect(heard(chunks)).toBe(REPLY.toLowerCase());
    for (const c of chunks) expect(c.bytes).toBe(Buffer.from(c.payload, 'base64').length);
    // turn_done comes after the turn's last chunk, and nothing else was reported
    expect(log.events.at(-1)).toEqual({ type: 'turn_done', turnId: 'item_1' });
    expect(log.events.filter((e) => e.type !== 'audio' && e.type !== 'turn_done')).toEqual([]);

    const conn = sim!.connections[0]!;
    // the turn's context is closed once its audio is all in (the API answers with its isFinal)
    await until(() => conn.sent.some((m) => m.isFinal === true && m.contextId === 'c1'));
    expect(conn.multiContext).toBe(true);
    expect(conn.format.name).toBe('ulaw_8000');
    expect(conn.modelId).toBe('eleven_flash_v2_5');
    const sent = conn.received.map((r) => r.message);
    expect(sent[0]).toEqual({
      text: ' ',
      context_id: 'c1',
      voice_settings: {
        stability: 0.4,
        similarity_boost: 0.8,
        style: 0.1,
        use_speaker_boost: true,
        speed: 1.1,
      },
      generation_config: { chunk_length_schedule: [120, 160, 250, 290] },
    });
    const texts = sent.slice(1, -2);
    // words go whole: every text before the flush ends at a space
    for (const m of texts) expect(String(m.text)).toMatch(/\s$/);
    expect(sent.at(-2)).toMatchObject({ context_id: 'c1', flush: true });
    expect(sent.at(-1)).toEqual({ context_id: 'c1', close_context: true });
    // its isFinal came after turn_done, and changed nothing
    expect(log.events.at(-1)).toEqual({ type: 'turn_done', turnId: 'item_1' });
    expect(stream.usage.charactersSynthesized).toBe(REPLY.length);
    // what the API was sent to speak (its own per-connection count forgets closed contexts)
    expect(texts.concat(sent.at(-2)!).reduce((n, m) => n + String(m.text).length, 0)).toBe(REPLY.length);
  });

  it('finishes an empty response at once, without audio', async () => {
    const { log, stream } = await open();
    stream.startTurn('item_1');
    stream.flush('item_1');
    expect(log.events).toEqual([{ type: 'turn_done', turnId: 'item_1' }]);
  });

  it("plays turns in the order they started: a later turn's audio waits for the earlier one to finish", async () => {
    const { log, stream } = await open({ synthesisDelayMs: 30 });
    stream.startTurn('a');
    stream.pushText('a', 'This first answer is long enough to take a few seconds to say out loud. ');
    stream.startTurn('b');
    stream.pushText('b', 'Second. ');
    stream.flush('b');
    stream.flush('a');
    await log.until(has('turn_done', 'b'));
    const order = log.events.map((e) => `${e.type}:${'turnId' in e ? e.turnId : ''}`);
    const lastA = order.lastIndexOf('audio:a');
    expect(order.indexOf('turn_done:a')).toBeGreaterThan(lastA);
    expect(order.indexOf('audio:b')).toBeGreaterThan(order.indexOf('turn_done:a'));
    expect(heard(audioOf(log.events, 'b'))).toBe('second.');
  });

  it('barge-in: cancel in the same tick as a chunk, and no chunk of the turn is delivered afterwards; the socket serves the next turn', async () => {
    let cancelledAfter = -1;
    const { log, stream } = await open({ synthesisDelayMs: 20 }, {}, (e, s) => {
      // the caller starts speaking as the first chunk goes out
      if (e.type === 'audio' && e.turnId === 'item_1' && cancelledAfter < 0) {
        s.cancel();
        cancelledAfter = log.events.length;
      }
    });
    stream.startTurn('item_1');
    // long enough for several audio messages, sent back to back by the API
    stream.pushText('item_1', `${REPLY} ${REPLY} ${REPLY} `);
    stream.flush('item_1');
    await log.until(() => cancelledAfter > 0);
    const conn = sim!.connections[0]!;
    // the API had more of the turn on the wire than was delivered
    await sleep(100);
    expect(conn.audioSent('c1').length).toBeGreaterThan(1);
    expect(audioOf(log.events, 'item_1')).toHaveLength(1);
    expect(log.events.slice(cancelledAfter)).toEqual([]);
    await until(() => conn.received.some((r) => r.message.close_context === true));
    expect(conn.received.map((r) => r.message)).toContainEqual({ context_id: 'c1', close_context: true });

    // what the caller heard of it: the characters whose audio had started by the barge-in
    const spoken = new SpokenText();
    const first = audioOf(log.events, 'item_1')[0]!;
    spoken.add(first.bytes, first.alignment);
    expect(REPLY.startsWith(spoken.textUpTo(500))).toBe(true);
    expect(spoken.textUpTo(500).length).toBeGreaterThan(3);

    // a late delta of the cancelled response goes nowhere
    stream.pushText('item_1', 'late words ');
    stream.startTurn('item_2');
    stream.pushText('item_2', 'Sure, go ahead. ');
    stream.flush('item_2');
    await log.until(has('turn_done', 'item_2'));
    expect(heard(audioOf(log.events, 'item_2'))).toBe('sure, go ahead.');
    expect(sim!.connections).toHaveLength(1);
    expect(log.events.some((e) => e.type === 'turn_done' && e.turnId === 'item_1')).toBe(false);
    expect(stream.available).toBe(true);
  });

  it('a socket closing mid-turn fails the turn and is opened again once; the next failure makes it unavailable', async () => {
    // every socket closes (1011) after its first audio message
    const { log, stream } = await open({ faults: { closeAfterAudioMessages: { count: 1 } } });
    stream.startTurn('item_1');
    stream.pushText('item_1', `${REPLY} ${REPLY} `);
    stream.flush('item_1');
    await log.until(has('turn_failed', 'item_1'));
    expect(log.events.find((e) => e.type === 'turn_failed')).toMatchObject({
      error: { code: 'socket_closed', retryable: true },
    });
    expect(stream.available).toBe(true);
    await sim!.connection(1);
    stream.startTurn('item_2');
    stream.pushText('item_2', `${REPLY} ${REPLY} `);
    stream.flush('item_2');
    await log.until(has('unavailable'));
    expect(log.events.filter((e) => e.type === 'turn_failed').map((e) => 'turnId' in e && e.turnId)).toEqual([
      'item_1',
      'item_2',
    ]);
    expect(log.events.at(-1)).toMatchObject({ type: 'unavailable', error: { code: 'socket_closed' } });
    expect(stream.available).toBe(false);
    // from now on the call speaks with the model's own audio: the stream does nothing
    stream.startTurn('item_3');
    stream.pushText('item_3', 'Hello. ');
    stream.flush('item_3');
    await sleep(100);
    expect(sim!.connections).toHaveLength(2);
    expect(log.events.at(-1)).toMatchObject({ type: 'unavailable' });
    expect(stream.usage.charactersSynthesized).toBe(2 * (2 * REPLY.length + 2));
  });

  it('a refused handshake (unknown voice, wrong key) makes the stream unavailable at once, without a retry', async () => {
    const { log } = await open({ voices: ['SomeOtherVoice000000'] });
    await log.until(has('unavailable'));
    expect(log.events).toEqual([
      {
        type: 'unavailable',
        error: {
          code: 'connect_failed',
          message: 'ElevenLabs refused the socket (HTTP 404)',
          retryable: false,
        },
      },
    ]);
    expect(sim!.connections).toHaveLength(0);

    const wrongKey = new EventLog<TtsStreamEvent>();
    const other = new ElevenLabsTtsStream(
      { apiKey: 'not-the-key', baseUrl: sim!.baseUrl },
      VOICE,
      wrongKey.listener(),
    );
    await wrongKey.until(has('unavailable'));
    expect(wrongKey.events[0]).toMatchObject({ error: { message: expect.stringContaining('401') } });
    // the key never appears in what the stream reports
    expect(JSON.stringify(wrongKey.events)).not.toContain('not-the-key');
    other.close();
  });

  it('an idle socket closed by the inactivity timeout costs nothing: the next turn opens a new one', async () => {
    const { log, stream } = await open({}, { inactivityTimeoutS: 1 });
    const first = await sim!.connection(0);
    expect((await first.closed).code).toBe(1008);
    stream.startTurn('item_1');
    stream.pushText('item_1', 'Still here. ');
    stream.flush('item_1');
    await log.until(has('turn_done', 'item_1'));
    expect(sim!.connections).toHaveLength(2);
    expect(log.events.filter((e) => e.type !== 'audio' && e.type !== 'turn_done')).toEqual([]);
  });

  it('close() ends the stream: no event follows', async () => {
    const { log, stream } = await open({ synthesisDelayMs: 50 });
    stream.startTurn('item_1');
    stream.pushText('item_1', REPLY);
    stream.flush('item_1');
    stream.close();
    await sleep(150);
    expect(log.events).toEqual([]);
    expect(stream.available).toBe(false);
  });
});
