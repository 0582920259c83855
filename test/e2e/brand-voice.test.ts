// A call on a profile with its own ElevenLabs voice, through the whole stack: the Realtime session
// answers in text, the ElevenLabs simulator speaks it, and Twilio gets the audio as media frames with
// marks. The caller barges in: no audio of the cancelled turn reaches Twilio after the clear.
import type { SimulatedCall } from '@switchboard/simulators/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { ACME, BRAND_VOICE_ID, type FullStack, startFullStack } from '../support/full-stack.ts';

const LONG_REPLY =
  'Your order left our warehouse yesterday and is on its way with the carrier, who usually delivers ' +
  'within three to five business days, and you will get a text message with the tracking link as soon ' +
  'as the parcel reaches your local depot, so there is nothing you need to do right now.';
const SHORT_REPLY = 'Of course, returns are free within thirty days.';

/** A media payload as AudioOut sends it: whole up to 200 ms, else in pieces of 1,064 base64 characters. */
function pieces(payload: string): string[] {
  if (Buffer.from(payload, 'base64').length <= 1600) return [payload];
  const out: string[] = [];
  for (let at = 0; at < payload.length; at += 1064) out.push(payload.slice(at, at + 1064));
  return out;
}

let stack: FullStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function brandVoiceStack(): Promise<FullStack> {
  return startFullStack({
    realtime: {
      scenario: {
        greeting: ACME.greeting,
        turns: [
          { user: 'Where is my order?', say: LONG_REPLY },
          { user: 'Can I return it?', say: SHORT_REPLY },
        ],
      },
    },
    elevenlabs: { synthesisDelayMs: 40 },
    ...(process.env.DEBUG_STACK
      ? { logLevel: 'debug', logDestination: { write: (l: string) => void process.stderr.write(l) } }
      : {}),
    profile: {
      voice: { provider: 'elevenlabs', voiceId: BRAND_VOICE_ID, settings: { stability: 0.4, speed: 1.1 } },
    },
  });
}

interface MessageView {
  role: string;
  text: string | null;
  interrupted: boolean;
  heardText: string | null;
}

async function messagesOf(s: FullStack, callSid: string): Promise<MessageView[]> {
  await expect
    .poll(
      async () =>
        (
          await s.staffGet<{ items: Array<{ callSid: string; status: string }> }>('/api/conversations')
        ).items.find((c) => c.callSid === callSid)?.status,
      { timeout: 10_000 },
    )
    .toBe('ended');
  const list = await s.staffGet<{ items: Array<{ id: string; callSid: string }> }>('/api/conversations');
  const id = list.items.find((c) => c.callSid === callSid)!.id;
  return (await s.staffGet<{ messages: MessageView[] }>(`/api/conversations/${id}`)).messages;
}

describe('a brand voice through ElevenLabs', () => {
  it('speaks the greeting and the answers in the brand voice, and a barge-in cuts the voice off at once', async () => {
    stack = await brandVoiceStack();
    const s = stack;
    const call: SimulatedCall = await s.call({
      recordAudio: true,
      source: [
        { until: (c) => c.heardMs >= 500 && !c.isHearingAudio, timeoutMs: 15_000 },
        { audio: { say: 'where is my order' }, label: 'question' },
        { pauseMs: 900 },
        // Well into the long answer: the caller speaks over it.
        { until: (c) => c.turns[0]?.responseLatencyMs !== undefined, timeoutMs: 20_000 },
        { pauseMs: 1500 },
        { audio: { say: 'can i return it' }, label: 'interrupt' },
        { pauseMs: 900 },
        { until: (c) => c.turns[1]?.responseLatencyMs !== undefined && !c.isHearingAudio, timeoutMs: 20_000 },
        { pauseMs: 200 },
        { hangup: true },
      ],
    });
    const end = await call.ended;
    expect(end.reason).toBe('caller_hangup');
    expect(call.scriptErrors).toEqual([]);

    // The Realtime session answered in text; the ElevenLabs socket carried the profile's voice.
    const session = s.realtime.sessions[0]!;
    expect(session.config.output_modalities).toEqual(['text']);
    const tts = await s.elevenlabs.connection(0);
    expect(tts.voiceId).toBe(BRAND_VOICE_ID);
    expect(tts.format.name).toBe('ulaw_8000');
    const first = tts.received[0]!.message;
    expect(first.voice_settings).toMatchObject({ stability: 0.4, speed: 1.1 });
    expect(first.generation_config).toEqual({ chunk_length_schedule: [120, 160, 250, 290] });

    // Which context each media payload came from.
    const contextOf = new Map<string, string>();
    for (const m of tts.audioSent()) {
      for (const piece of pieces(String(m.audio))) contextOf.set(piece, String(m.contextId));
    }
    const media = call.received.filter((r) => r.message.event === 'media');
    expect(media.length).toBeGreaterThan(0);
    // Every frame the caller got is the brand voice's audio: the model's own audio never played.
    for (const r of media) {
      const payload = (r.message as { media: { payload: string } }).media.payload;
      expect(contextOf.has(payload)).toBe(true);
    }

    // The barge-in: a clear, and no frame of the cancelled context after it.
    const clearAt = call.received.findIndex((r) => r.message.event === 'clear');
    expect(clearAt).toBeGreaterThan(0);
    const payloadAt = (i: number) =>
      (call.received[i]!.message as { media: { payload: string } }).media.payload;
    let lastBefore = -1;
    for (let i = clearAt - 1; i >= 0 && lastBefore < 0; i--)
      if (call.received[i]!.message.event === 'media') lastBefore = i;
    const cancelled = contextOf.get(payloadAt(lastBefore))!;
    const after = call.received
      .slice(clearAt + 1)
      .flatMap((r) =>
        r.message.event === 'media' ? [(r.message as { media: { payload: string } }).media.payload] : [],
      );
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((p) => contextOf.get(p) === cancelled)).toEqual([]);
    // The cancelled context was closed at the API (the socket went on for the next answer).
    expect(
      tts.received.some((m) => m.message.context_id === cancelled && m.message.close_context === true),
    ).toBe(true);

    // The model was told what the caller heard: the text item was replaced by the words heard.
    const created = session
      .received('conversation.item.create')
      .map((e) => e.event as Record<string, unknown>);
    const heardItem = created.find((e) => (e.item as { role?: string } | undefined)?.role === 'assistant') as
      | { item: { content: Array<{ text: string }> } }
      | undefined;
    expect(heardItem).toBeDefined();
    const heardWords = heardItem!.item.content[0]!.text;
    expect(LONG_REPLY.startsWith(heardWords)).toBe(true);
    expect(heardWords.length).toBeLessThan(LONG_REPLY.length);
    expect(session.received('conversation.item.truncate')).toEqual([]);
    // Nothing voice-server sent was refused (a cancel racing the response's end is allowed).
    const refused = session
      .sent('error')
      .map((e) => (e.event.error as { code?: string }).code)
      .filter((code) => code !== 'response_cancel_not_active');
    expect(refused).toEqual([]);

    // app-server: the greeting, the interrupted answer with the words heard, the answer after.
    const messages = await messagesOf(s, call.callSid);
    const agent = messages.filter((m) => m.role === 'agent');
    expect(agent.map((m) => m.text)).toEqual([ACME.greeting, LONG_REPLY, SHORT_REPLY]);
    expect(agent[1]).toMatchObject({ interrupted: true, heardText: heardWords });
  }, 120_000);
});

describe('the brand voice failing mid-call', () => {
  it("goes on with the model's own audio once the ElevenLabs socket fails again after its reconnect", async () => {
    stack = await startFullStack({
      realtime: {
        scenario: {
          greeting: ACME.greeting,
          turns: [
            { user: 'Where is my order?', say: SHORT_REPLY },
            { user: 'Can I return it?', say: 'Yes, just send it back with the label in the box.' },
          ],
        },
      },
      // Every ElevenLabs socket closes (1011) after its second audio message: mid-greeting, then again.
      elevenlabs: { faults: { closeAfterAudioMessages: { count: 2 } } },
      profile: { voice: { provider: 'elevenlabs', voiceId: BRAND_VOICE_ID } },
      ...(process.env.DEBUG_STACK
        ? { logLevel: 'debug', logDestination: { write: (l: string) => void process.stderr.write(l) } }
        : {}),
    });
    const s = stack;
    const call: SimulatedCall = await s.call({
      recordAudio: true,
      source: [
        { until: (c) => c.heardMs >= 500 && !c.isHearingAudio, timeoutMs: 20_000 },
        { pauseMs: 1500 },
        { until: (c) => !c.isHearingAudio, timeoutMs: 20_000 },
        { audio: { say: 'where is my order' }, label: 'order' },
        { pauseMs: 900 },
        { until: (c) => c.turns[0]?.responseLatencyMs !== undefined && !c.isHearingAudio, timeoutMs: 20_000 },
        { audio: { say: 'can i return it' }, label: 'return' },
        { pauseMs: 900 },
        { until: (c) => c.turns[1]?.responseLatencyMs !== undefined && !c.isHearingAudio, timeoutMs: 20_000 },
        { pauseMs: 300 },
        { hangup: true },
      ],
    });
    expect((await call.ended).reason).toBe('caller_hangup');
    expect(call.scriptErrors).toEqual([]);

    // Two sockets, each closed mid-turn: the stream gave up and the session went back to audio.
    expect(s.elevenlabs.connections).toHaveLength(2);
    const session = s.realtime.sessions[0]!;
    const updates = session.received('session.update').map((e) => e.event.session as Record<string, unknown>);
    expect(updates[0]!.output_modalities).toEqual(['text']);
    expect(updates.at(-1)).toMatchObject({ output_modalities: ['audio'] });
    expect(session.config.output_modalities).toEqual(['audio']);
    expect(session.sent('error').map((e) => e.event)).toEqual([]);

    // The caller heard the model's own audio after that: frames that no ElevenLabs context sent.
    const eleven = new Set<string>();
    for (const c of s.elevenlabs.connections)
      for (const m of c.audioSent()) for (const piece of pieces(String(m.audio))) eleven.add(piece);
    const media = call.received.flatMap((r) =>
      r.message.event === 'media' ? [(r.message as { media: { payload: string } }).media.payload] : [],
    );
    expect(media.some((p) => eleven.has(p))).toBe(true);
    expect(media.filter((p) => !eleven.has(p)).length).toBeGreaterThan(10);

    // Counted once, logged, and noted on the conversation; both answers were given.
    const metrics = await (await fetch(`${s.voiceUrl}/metrics`)).text();
    expect(metrics).toContain('voice_tts_fallbacks_total{code="socket_closed"} 1');
    const messages = await messagesOf(s, call.callSid);
    expect(messages.some((m) => m.role === 'system' && /brand's voice/.test(m.text ?? ''))).toBe(true);
    const agent = messages.filter((m) => m.role === 'agent').map((m) => m.text);
    expect(agent).toContain(SHORT_REPLY);
  }, 120_000);
});
