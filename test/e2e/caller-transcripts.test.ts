// Caller turns transcribed in the background by an external provider (Cartesia ink-whisper, ElevenLabs
// Scribe) beside the Realtime transcript, through the whole stack: each lands on its turn, in
// conversation order, even after the agent's reply; a turn whose Realtime transcription failed takes
// the external text, marked with its source.
import { afterEach, describe, expect, it } from 'vitest';
import { ACME, type FullStack, startFullStack } from '../support/full-stack.ts';

interface MessageView {
  sequence: number;
  role: string;
  text: string | null;
  source: string;
  transcriber: string | null;
  transcriberText: string | null;
  transcription: string | null;
}

let stack: FullStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function endedConversation(s: FullStack, callSid: string): Promise<MessageView[]> {
  const find = async () =>
    (
      await s.staffGet<{ items: Array<{ id: string; callSid: string; status: string }> }>(
        '/api/conversations',
      )
    ).items.find((c) => c.callSid === callSid);
  await expect.poll(async () => (await find())?.status, { timeout: 10_000 }).toBe('ended');
  const id = (await find())!.id;
  return (await s.staffGet<{ messages: MessageView[] }>(`/api/conversations/${id}`)).messages;
}

describe.each([
  ['cartesia', 'Cartesia ink-whisper'],
  ['elevenlabs', 'ElevenLabs Scribe'],
] as const)('caller turns transcribed by %s', (provider, name) => {
  it(`keeps ${name}'s text on each turn in order, and fills in a turn the Realtime transcription lost`, async () => {
    stack = await startFullStack({
      realtime: {
        scenario: {
          greeting: ACME.greeting,
          turns: [
            { user: 'Where is my order?', say: 'It is on its way.' },
            { user: 'Can I return it?', transcription: { fails: true }, say: 'Yes, within thirty days.' },
          ],
        },
      },
      profile: { transcriber: { provider } },
    });
    const s = stack;
    const call = await s.call({
      source: [
        { until: (c) => c.heardMs >= 500 && !c.isHearingAudio, timeoutMs: 15_000 },
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

    // Both turns went to the provider (the Realtime one still transcribed the first).
    if (provider === 'cartesia') expect(s.cartesia.sessions).toHaveLength(2);
    else expect(s.elevenlabs.transcriptions).toHaveLength(2);

    await expect
      .poll(async () => (await endedConversation(s, call.callSid)).filter((m) => m.transcriber).length, {
        timeout: 10_000,
      })
      .toBe(2);
    const messages = await endedConversation(s, call.callSid);
    const seqs = messages.map((m) => m.sequence);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(messages.map((m) => m.role)).toEqual(['agent', 'caller', 'agent', 'caller', 'agent']);
    const [, order, , ret] = messages;
    // The Realtime transcript stays first; the external text is kept beside it.
    expect(order).toMatchObject({ text: 'Where is my order?', source: 'realtime', transcriber: provider });
    expect(order!.transcriberText).toMatch(/where is my order/i);
    // The Realtime transcription failed: the external text is the turn's, marked with its source.
    expect(ret).toMatchObject({ source: 'transcriber', transcriber: provider, transcription: 'failed' });
    expect(ret!.text).toMatch(/can i return it/i);

    // Cost attribution: the audio transcribed is counted.
    const metrics = await (await fetch(`${s.voiceUrl}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`voice_transcriber_audio_seconds_total\\{provider="${provider}"\\} [1-9]`),
    );
  }, 120_000);
});
